import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Frame, GpuReading, HostSnapshot } from '@vigil/schema';
import { Collection, type GpuSource, readIdentity, type StatFs, toFrame } from '../src/collect/index.ts';
import { attachProcesses, parseComputeApps, parseGpuQuery } from '../src/collect/nvidia-smi.ts';

/** GPU readings from a fixture's captured nvidia-smi output (parsed by the same functions as live output). */
class FixtureGpuSource implements GpuSource {
  constructor(private readonly dir: string) {}
  async read(): Promise<GpuReading[]> {
    const gpus = join(this.dir, 'query-gpu.csv');
    if (!existsSync(gpus)) return [];
    const apps = join(this.dir, 'query-compute-apps.csv');
    return attachProcesses(
      parseGpuQuery(readFileSync(gpus, 'utf8')).rows,
      existsSync(apps) ? parseComputeApps(readFileSync(apps, 'utf8')).rows : [],
    );
  }
  close(): void {}
}

/** Durations vary from run to run; the rest of a fixture's frame does not. */
function withoutTimings(frame: Frame): Frame {
  const collectors = Object.fromEntries(Object.entries(frame.collectors).map(([name, s]) => [name, { ...s, durationMs: 0 }]));
  return { ...frame, durationMs: 0, collectors };
}

/**
 * Runs every collector over a fixture host (see fixtures/README.md): a first cycle over cycles/0, then a
 * second over cycles/1 one interval later, with clocks and kernel constants from the fixture, and returns the
 * identity and the second frame. The fixture's proc and sys are reached through symlinks that move from one
 * cycle to the next, as the real files change under a running agent.
 */
export async function collectFixture(dir: string): Promise<HostSnapshot> {
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as {
    intervalMs: number;
    clockTicks: number;
    pageSize: number;
    capturedAt: string;
  };
  const statfs = JSON.parse(readFileSync(join(dir, 'statfs.json'), 'utf8')) as Record<string, StatFs>;
  const work = mkdtempSync(join(tmpdir(), 'vigil-fixture-'));
  const link = (cycle: number) => {
    for (const name of ['proc', 'sys']) {
      const path = join(work, name);
      if (existsSync(path)) unlinkSync(path);
      symlinkSync(join(dir, 'cycles', String(cycle), name), path);
    }
  };
  let now = 0;
  const start = Date.parse(meta.capturedAt);
  link(0);
  const collection = new Collection({
    roots: { proc: join(work, 'proc'), sys: join(work, 'sys'), rootfs: join(dir, 'rootfs') },
    constants: { clockTicks: meta.clockTicks, pageSize: meta.pageSize, littleEndian: true },
    statfs: async (path) => {
      const answer = statfs[path];
      if (!answer) throw Object.assign(new Error(`ENOENT: no such file or directory, statfs '${path}'`), { code: 'ENOENT' });
      return answer;
    },
    gpu: new FixtureGpuSource(join(dir, 'nvidia-smi')),
    monotonicMs: () => now,
    wallMs: () => start + now,
  });
  try {
    const options = { allProcesses: true, connections: true, followPids: new Set<number>() };
    await collection.collect(options);
    // Descriptors kept open for cycle 0's files would go on reading them: start afresh, as a new cycle of
    // a real host regenerates every file.
    collection.proc.close();
    link(1);
    now = meta.intervalMs;
    const result = await collection.collect(options);
    const identity = readIdentity(collection.proc, collection.sys, collection.roots);
    return {
      host: { ...identity, gpus: (result.system.gpus ?? []).map(({ index, name, uuid }) => ({ index, name, uuid })) },
      frame: withoutTimings(toFrame(result, 1)),
    };
  } finally {
    collection.close();
    rmSync(work, { recursive: true, force: true });
  }
}
