// Bundles the standalone agent into apps/cli/dist/vigil-agent.mjs: `vigil agent` as one file with every
// dependency inside (ws, zod, yaml, commander and the @vigil packages), so that a host needs only `node`
// (>= 20) to run it. The hub serves it at /agent/vigil-agent.mjs; deploy/install.sh installs it.
// Run by scripts/build.mjs; alone: `node scripts/build-agent.mjs`.
import { chmodSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Builds the bundle and checks that nothing outside Node's own modules is left to load at run time. */
export async function buildAgent() {
  const outfile = join(root, 'apps/cli/dist/vigil-agent.mjs');
  const result = await build({
    entryPoints: [join(root, 'apps/cli/src/agent-main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Smaller to download, with the names kept so that a stack trace in a host's journal still reads.
    minifyWhitespace: true,
    minifySyntax: true,
    metafile: true,
    logLevel: 'warning',
    // ws loads the native addons bufferutil and utf-8-validate when it finds them; these flags are read at
    // load time, so defining them here drops those require() calls: the agent never needs a native module.
    define: { 'process.env.WS_NO_BUFFER_UTIL': '"1"', 'process.env.WS_NO_UTF_8_VALIDATE': '"1"' },
    banner: {
      // Bundled ESM has no require(); ws and commander are CommonJS and require Node's own modules.
      js: "#!/usr/bin/env node\nimport { createRequire as __vigilCreateRequire } from 'node:module'; const require = __vigilCreateRequire(import.meta.url);",
    },
  });
  const outside = Object.values(result.metafile.outputs)
    .flatMap((output) => output.imports)
    .filter((i) => i.external && !isBuiltin(i.path))
    .map((i) => i.path);
  const native = Object.keys(result.metafile.inputs).filter((input) => input.endsWith('.node'));
  if (outside.length || native.length)
    throw new Error(`the agent bundle must need only node, but it loads ${[...outside, ...native].join(', ')}`);
  chmodSync(outfile, 0o755);
  return outfile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildAgent();
