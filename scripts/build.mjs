// Bundles the `vigil` command into apps/cli/dist/vigil.mjs with esbuild.
// The shared packages (@vigil/*) export TypeScript source and are bundled in; third-party
// dependencies stay external and load from node_modules, so native modules keep working.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Every third-party package named by a workspace manifest: these stay external. */
function externals() {
  const names = new Set();
  for (const dir of ['packages/schema', 'packages/procfs', 'apps/agent', 'apps/hub', 'apps/cli']) {
    let manifest;
    try {
      manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
    } catch {
      continue;
    }
    for (const name of Object.keys(manifest.dependencies ?? {})) {
      if (!name.startsWith('@vigil/')) names.add(name);
    }
  }
  return [...names];
}

await build({
  entryPoints: [join(root, 'apps/cli/src/main.ts')],
  outfile: join(root, 'apps/cli/dist/vigil.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  external: externals(),
  logLevel: 'warning',
  banner: {
    // Bundled ESM has no require(); a few CommonJS dependencies expect one.
    js: "import { createRequire as __vigilCreateRequire } from 'node:module'; const require = __vigilCreateRequire(import.meta.url);",
  },
});
