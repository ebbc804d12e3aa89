import preact from '@preact/preset-vite';
import { defineConfig } from 'vitest/config';

const SOURCES = [
  'packages/*/src/**/*.test.ts',
  'apps/*/src/**/*.test.ts',
  'apps/*/test/**/*.test.ts',
  'apps/*/test/**/*.test.tsx',
  'e2e/**/*.test.ts',
];
/** Tests that measure this machine (CPU shares, timings) or drive real processes end to end. */
const LIVE = ['**/*.live.test.ts'];

export default defineConfig({
  plugins: [preact()],
  test: {
    // The dashboard's React libraries go through Vite's resolver, so that they get Preact as the web app's build does.
    server: { deps: { inline: ['@tanstack/react-virtual', '@tanstack/virtual-core', 'wouter'] } },
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: SOURCES, exclude: ['**/node_modules/**', '**/dist/**', ...LIVE] },
      },
      {
        // After the unit tests, one file at a time: a busy-loop child must get a whole core of these two to
        // show its 100 %, which other test files running beside it would take.
        extends: true,
        test: {
          name: 'live',
          include: LIVE.map((glob) => glob),
          exclude: ['**/node_modules/**', '**/dist/**'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
