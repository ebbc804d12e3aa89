/**
 * A private copy of the built `vigil` command and dashboard, taken once at the start: other sessions in this checkout
 * run `npm run build` (npm test does) which deletes apps/cli/dist and apps/web/dist and may give the assets new
 * hashes, and a hub serving a vanished asset would fail the browser half-way through a run.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** What the snapshot holds, relative to its root, mirroring the repository so the hub finds ../../../web/dist. */
const PARTS = ['apps/cli/bin', 'apps/cli/dist', 'apps/cli/package.json', 'apps/web/dist'];

export interface BuildSnapshot {
  /** Folder laid out like the repository: run `node apps/cli/bin/vigil.mjs` with this as cwd. */
  root: string;
  /** The dashboard's dist folder in the snapshot. */
  webDist: string;
}

/** The asset paths index.html refers to (/assets/...), to check a copy is whole. */
export function referencedAssets(indexHtml: string): string[] {
  return [...indexHtml.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1] as string);
}

/** Why the build under `root` is not usable as is, or null when it is whole. */
function problemOf(root: string): string | null {
  const index = join(root, 'apps/web/dist/index.html');
  if (!existsSync(index)) return 'apps/web/dist/index.html is missing';
  if (!existsSync(join(root, 'apps/cli/dist/vigil.mjs'))) return 'apps/cli/dist/vigil.mjs is missing';
  const missing = referencedAssets(readFileSync(index, 'utf8')).filter((a) => !existsSync(join(root, 'apps/web/dist', a)));
  return missing.length > 0 ? `index.html refers to missing ${missing.join(', ')}` : null;
}

/**
 * Copies the build into `dir` and checks the copy is whole (a build running meanwhile may have emptied a folder);
 * retries a few times, then fails with a message that says to run `npm run build`.
 */
export async function snapshotBuild(repoRoot: string, dir: string, log: (line: string) => void): Promise<BuildSnapshot> {
  for (let attempt = 1; ; attempt++) {
    const source = problemOf(repoRoot);
    const root = join(dir, `build-${attempt}`);
    if (!source) {
      mkdirSync(root, { recursive: true });
      try {
        for (const part of PARTS) if (existsSync(join(repoRoot, part))) cpSync(join(repoRoot, part), join(root, part), { recursive: true });
        // Third-party packages stay external to the bundle and are found by walking up from it (apps/cli keeps its
        // own commander).
        for (const modules of ['node_modules', 'apps/cli/node_modules']) {
          if (existsSync(join(repoRoot, modules))) symlinkSync(join(repoRoot, modules), join(root, modules), 'dir');
        }
        const copied = problemOf(root);
        if (!copied && readdirSync(join(root, 'apps/cli/dist')).length > 0) return { root, webDist: join(root, 'apps/web/dist') };
      } catch {
        // A file vanished while copying: a build is running; try again.
      }
    }
    if (attempt >= 6) {
      throw new Error(`the build is missing or incomplete (${source ?? 'it changed while being copied'}): run npm run build first`);
    }
    log(`build: ${source ?? 'changed while being copied'}; a build may be running, retrying in 5 s`);
    await sleep(5000);
  }
}
