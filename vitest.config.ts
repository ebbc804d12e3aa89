import preact from '@preact/preset-vite';
import { defineConfig } from 'vitest/config';

const SOURCES = [
  'packages/*/src/**/*.test.ts',
  'apps/*/src/**/*.test.ts',
  'apps/*/test/**/*.test.ts',
  'apps/*/test/**/*.test.tsx',
  'e2e/**/*.test.ts',
];
/** The dashboard's tests: its components run on Preact, as in its build (apps/web/vite.config.ts). */
const WEB = ['apps/web/**/*.test.ts', 'apps/web/**/*.test.tsx'];
/** Tests that measure this machine (CPU shares, timings) or drive real processes end to end. */
const LIVE = ['**/*.live.test.ts'];
const EXCLUDE = ['**/node_modules/**', '**/dist/**'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      {
        // Everything else, `vigil top` included: its terminal UI is React (ink), so no Preact alias here.
        extends: true,
        test: { name: 'unit', include: SOURCES, exclude: [...EXCLUDE, ...LIVE, ...WEB] },
      },
      {
        extends: true,
        plugins: [preact()],
        test: {
          name: 'web',
          include: WEB,
          exclude: [...EXCLUDE, ...LIVE],
          // The dashboard's React libraries go through Vite's resolver, so that they get Preact as the build does.
          server: { deps: { inline: ['@tanstack/react-virtual', '@tanstack/virtual-core', 'wouter'] } },
        },
      },
      {
        // After the unit tests, one file at a time: a busy-loop child must get a whole core of these two to
        // show its 100 %, which other test files running beside it would take.
        extends: true,
        test: {
          name: 'live',
          include: LIVE.map((glob) => glob),
          exclude: EXCLUDE,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
