// Bundles the `vigil` command into apps/cli/dist/vigil.mjs with esbuild.
// The shared packages (@vigil/*) export TypeScript source and are bundled in; third-party
// dependencies stay external and load from node_modules, so native modules keep working.
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Bundled in rather than loaded from node_modules: zod, so that tree shaking drops what Vigil does not use
 * (its ~50 locales alone cost an agent ~10 MB of memory), and the zod plugin of fastify, so that both use
 * that one copy of zod.
 */
const BUNDLED = new Set(['zod', 'fastify-type-provider-zod']);

/** Every other third-party package named by a workspace manifest: these stay external. */
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
      if (!name.startsWith('@vigil/') && !BUNDLED.has(name)) names.add(name);
    }
  }
  return [...names];
}

rmSync(join(root, 'apps/cli/dist'), { recursive: true, force: true });

// The web dashboard, served by the hub from apps/web/dist.
const { build: viteBuild } = await import('vite');
await viteBuild({ root: join(root, 'apps/web'), configFile: join(root, 'apps/web/vite.config.ts'), logLevel: 'warn' });
// Compressed copies beside each asset (.br, .gz): the hub sends them to browsers that accept them (preCompressed in
// apps/hub/src/serve/web), so the first load is about a third of the bytes without compressing on every request.
{
  const { brotliCompressSync, gzipSync, constants } = await import('node:zlib');
  const { readdirSync, readFileSync, writeFileSync } = await import('node:fs');
  const assets = join(root, 'apps/web/dist/assets');
  for (const name of readdirSync(assets)) {
    if (!/\.(js|css|svg|json|map)$/.test(name)) continue;
    const data = readFileSync(join(assets, name));
    writeFileSync(join(assets, `${name}.gz`), gzipSync(data, { level: 9 }));
    writeFileSync(join(assets, `${name}.br`), brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
  }
}

await build({
  entryPoints: [join(root, 'apps/cli/src/main.ts')],
  outdir: join(root, 'apps/cli/dist'),
  entryNames: 'vigil',
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  // Commands load what they need when they run (`vigil snapshot` never loads the hub's web server):
  // split chunks keep those dynamic imports lazy.
  splitting: true,
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

// The standalone agent, one file that needs only node (scripts/build-agent.mjs).
await (await import('./build-agent.mjs')).buildAgent();
