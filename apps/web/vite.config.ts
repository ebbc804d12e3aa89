import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

// The dashboard is built into dist/ and served by the hub; in development, `npm run dev -w @vigil/web`
// proxies the API and WebSockets to a hub on localhost:7070.
//
// The app is written against React's API and runs on Preact (preact/compat, aliased in by the preset): the same
// components in about a tenth of React DOM's code, which the browser must download, parse and run before the first
// screen shows a value (bench:web, issue 5).
export default defineConfig({
  plugins: [preact()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, target: 'es2022', chunkSizeWarningLimit: 600 },
  server: {
    proxy: {
      '/api': { target: 'http://localhost:7070', ws: true },
      '/ws': { target: 'http://localhost:7070', ws: true },
      '/monitoring': 'http://localhost:7070',
    },
  },
});
