import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The dashboard is built into dist/ and served by the hub; in development, `npm run dev -w @vigil/web`
// proxies the API and WebSockets to a hub on localhost:7070.
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, target: 'es2022', chunkSizeWarningLimit: 600 },
  server: {
    proxy: {
      '/api': { target: 'http://localhost:7070', ws: true },
      '/ws': { target: 'http://localhost:7070', ws: true },
      '/monitoring': 'http://localhost:7070',
    },
  },
});
