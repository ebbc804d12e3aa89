#!/usr/bin/env node
// The `vigil` command. The TypeScript sources are bundled into dist/ by `npm run build`
// (run automatically by `npm install`); see scripts/build.mjs.
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/vigil.mjs', import.meta.url);
if (!existsSync(bundle)) {
  console.error('vigil: the command is not built yet. Run `npm install` (or `npm run build`) in the repository root.');
  process.exit(1);
}
await import(bundle.href);
