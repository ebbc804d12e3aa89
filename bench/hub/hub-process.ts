/** The hub under test as a child process: `vigil serve` on loopback with a fresh data folder and no local agent. */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { spawnTracked, stopTracked, type TrackedChild } from '../lib/child-processes.ts';
import { httpStatus } from '../lib/http-probe.ts';
import { waitFor } from '../lib/timing.ts';

const run = promisify(execFile);

export const VIGIL_BIN = 'apps/cli/bin/vigil.mjs';
/** The node flags the hub runs with when started by `npm start`, deploy/systemd/vigil-hub.service and the Docker image. */
export const DEPLOYED_HUB_NODE_FLAGS = '--max-semi-space-size=128';

/**
 * Copies a built vigil command (bin, dist, and the pages the hub serves) into `workDir`, with links to its
 * node_modules, and returns the copy's bin/vigil.mjs. The run then keeps measuring the same build even if someone
 * runs `npm run build` meanwhile (which deletes and rewrites apps/cli/dist).
 *
 * @example snapshotBuild('/work/main/apps/cli/bin/vigil.mjs', workDir) // → <workDir>/vigil/apps/cli/bin/vigil.mjs
 */
export function snapshotBuild(vigilBin: string, workDir: string): string {
  const root = resolve(dirname(vigilBin), '../../..');
  const copy = join(workDir, 'vigil');
  for (const dir of ['apps/cli/bin', 'apps/cli/dist', 'apps/hub/public', 'apps/web/dist']) {
    if (existsSync(join(root, dir))) cpSync(join(root, dir), join(copy, dir), { recursive: true });
  }
  if (!existsSync(join(copy, 'apps/cli/dist/vigil.mjs'))) throw new Error(`${root}/apps/cli/dist is not built: run npm run build first`);
  // Third-party packages stay external to the bundle: they load from these.
  for (const dir of ['node_modules', 'apps/cli/node_modules']) {
    if (!existsSync(join(root, dir))) continue;
    mkdirSync(dirname(join(copy, dir)), { recursive: true });
    symlinkSync(join(root, dir), join(copy, dir));
  }
  return join(copy, 'apps/cli/bin/vigil.mjs');
}

export interface HubProcessOptions {
  repoRoot: string;
  workDir: string;
  port: number;
  adminPassword: string;
  /** The vigil command (default VIGIL_BIN, relative to repoRoot). */
  vigil?: string;
  /** Extra node flags, e.g. --cpu-prof --cpu-prof-dir=DIR. */
  nodeFlags?: string[];
}

/** A started hub: its process, URL, an agent token, and what its log said at warn level and above. */
export interface HubProcess {
  tracked: TrackedChild;
  url: string;
  dataDir: string;
  agentToken: string;
  /** Log lines at warn or above (pino levels >= 40), counted by message, with a few kept in full. */
  warnings: Map<string, number>;
  warningSamples: string[];
}

/** The node arguments of `vigil serve` on loopback: node flags, the vigil script, the port and the data folder. */
export function serveArgs(nodeFlags: readonly string[], vigil: string, port: number, dataDir: string): string[] {
  return [...nodeFlags, vigil, 'serve', '--port', String(port), '--host', '127.0.0.1', '--data', dataDir];
}

/** Starts the hub, waits for /api/health, then creates the agent token all simulated agents share. */
export async function startHub(opts: HubProcessOptions): Promise<HubProcess> {
  const dataDir = mkdtempSync(join(opts.workDir, 'hub-data-'));
  const args = [...serveArgs(opts.nodeFlags ?? [], opts.vigil ?? VIGIL_BIN, opts.port, dataDir), '--no-local-agent'];
  const tracked = spawnTracked(process.execPath, args, {
    cwd: opts.repoRoot,
    env: { ...process.env, VIGIL_ADMIN_PASSWORD: opts.adminPassword },
    stdout: 'pipe',
    // Its own process group: a signal meant for the harness's group (Ctrl-C) reaches the hub only through our cleanup.
    group: true,
    description: 'vigil serve',
  });
  const warnings = new Map<string, number>();
  const warningSamples: string[] = [];
  // pino writes JSON lines on stdout; only warnings and errors are kept (closed agent connections, errors).
  createInterface({ input: tracked.child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    let entry: { level?: number; msg?: string; reason?: string };
    try {
      entry = JSON.parse(line);
    } catch {
      return;
    }
    if ((entry.level ?? 0) < 40) return;
    const key = `${entry.msg ?? '?'}${entry.reason ? `: ${entry.reason}` : ''}`;
    warnings.set(key, (warnings.get(key) ?? 0) + 1);
    if (warningSamples.length < 5) warningSamples.push(line.slice(0, 500));
  });
  const url = `http://127.0.0.1:${opts.port}`;
  try {
    await waitFor(
      async () => {
        if (tracked.exitInfo) throw new Error(`vigil serve exited: ${tracked.stderrTail() || 'no output'} (did you run npm run build?)`);
        return (await httpStatus(`${url}/api/health`)) === 200;
      },
      { what: 'the hub to answer /api/health', timeoutMs: 30_000, intervalMs: 200 },
    );
    const token = ['token', 'create', '--kind', 'agent', '--name', 'bench', '--data', dataDir];
    const { stdout } = await run(process.execPath, [opts.vigil ?? VIGIL_BIN, ...token], { cwd: opts.repoRoot });
    const agentToken = stdout.split('\n')[0]?.trim() ?? '';
    if (!agentToken) throw new Error('vigil token create printed no token');
    return { tracked, url, dataDir, agentToken, warnings, warningSamples };
  } catch (error) {
    // A hub left running would hold the port for the next scenario.
    await stopTracked(tracked, 5000);
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** Stops the hub (SIGTERM, so a --cpu-prof profile is written) and removes its data folder. */
export async function stopHub(hub: HubProcess): Promise<string> {
  const exit = await stopTracked(hub.tracked, 15_000);
  rmSync(hub.dataDir, { recursive: true, force: true });
  return exit.signal ? `killed by ${exit.signal}` : `exited with code ${exit.code}`;
}
