import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Frame, HostSnapshot, Seed000Metrics } from '@vigil/schema';
import { afterAll, describe, expect, it } from 'vitest';

const VIGIL = fileURLToPath(new URL('../bin/vigil.mjs', import.meta.url));
const run = promisify(execFile);
const dirs: string[] = [];

/** Runs the built `vigil` command (npm test builds it first). */
function vigil(args: string[], cwd?: string) {
  return run(process.execPath, [VIGIL, ...args], { cwd, encoding: 'utf8', timeout: 20_000 });
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('vigil snapshot', () => {
  it('prints one complete reading of this host that the schema accepts', async () => {
    const { stdout } = await vigil(['snapshot', '--compact']);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    const snapshot = HostSnapshot.parse(JSON.parse(stdout));
    expect(snapshot.frame.processesComplete).toBe(true);
    expect(snapshot.frame.system.cpu?.total).not.toBeNull(); // two readings were taken, so rates exist
    expect(snapshot.frame.connections).toBeDefined();
    expect(snapshot.host.hostname).toBeTruthy();
  });

  it('reports a host name given with --hostname', async () => {
    const { stdout } = await vigil(['snapshot', '--compact', '--no-connections', '--hostname', 'edge-7']);
    const snapshot = HostSnapshot.parse(JSON.parse(stdout));
    expect(snapshot.host.hostname).toBe('edge-7');
    expect(snapshot.frame.connections).toBeUndefined();
  });

  it('--export writes infrastructure_metrics_<YYYYMMDD_HHMMSS>.json with the seed 000 fields and the full reading', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-export-'));
    dirs.push(dir);
    const { stderr } = await vigil(['snapshot', '--export'], dir);
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^infrastructure_metrics_\d{8}_\d{6}\.json$/);
    expect(stderr).toContain(files[0]);
    const exported = JSON.parse(readFileSync(join(dir, files[0] as string), 'utf8'));
    const seed = Seed000Metrics.parse(exported);
    expect(Object.keys(seed)).toEqual([
      'timestamp',
      'cpu',
      'cpu_cores',
      'memory',
      'memory_total_gb',
      'memory_used_gb',
      'disk',
      'processes',
      'top_processes',
    ]);
    expect(seed.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    expect(seed.top_processes.length).toBeGreaterThan(0);
    expect(Object.keys(seed.top_processes[0] ?? {})).toEqual(['pid', 'name', 'cpu', 'memory']);
    const frame = Frame.parse(exported.host.frame);
    expect(seed.processes).toBe(frame.system.processes?.total);
    expect(exported.host.identity.hostname).toBeTruthy();
  });

  it('--watch prints one compact frame per interval', async () => {
    const child = execFile(process.execPath, [VIGIL, 'snapshot', '--watch', '--compact', '--interval', '0.2'], { encoding: 'utf8' });
    const frames: Frame[] = [];
    let pending = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no three frames within 5 s')), 5000);
      child.stdout?.on('data', (chunk: string) => {
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) frames.push(Frame.parse(JSON.parse(line)));
        if (frames.length >= 3) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    child.kill('SIGTERM');
    expect(frames.map((f) => f.seq).slice(0, 3)).toEqual([0, 1, 2]);
    expect(frames[1]?.system.cpu?.total).not.toBeNull();
  });

  it.each([
    [['--watch', '--interval', 'soon'], /--interval: must be a number of seconds/],
    [['--watch', '--interval', '-1'], /--interval: must be a positive number of seconds/],
    [['--bogus'], /unknown option '--bogus'/],
  ])('rejects bad arguments %j with a message naming the problem', async (args, message) => {
    const failure = await vigil(['snapshot', ...args]).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: expect.any(Number) });
    expect((failure as { code: number }).code).not.toBe(0);
    expect((failure as { stderr: string }).stderr).toMatch(message);
  });
});
