import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { GpuReading } from '@vigil/schema';
import type { Collector } from './collector.ts';
import { APP_QUERY_FIELDS, attachProcesses, GPU_QUERY_FIELDS, parseComputeApps, parseGpuQuery } from './nvidia-smi.ts';

/** Where GPU readings come from. */
export interface GpuSource {
  /** The latest readings; an empty list when the host has no GPU. Throws when the GPUs cannot be read. */
  read(): Promise<GpuReading[]>;
  close(): void;
}

/** Finds an executable on PATH, like which(1). */
export function findExecutable(name: string, path = process.env.PATH ?? ''): string | null {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return null;
}

/** How often the (costly) per-process GPU memory query runs, at most. */
const APPS_EVERY_MS = 10_000;
/** How long a first read waits for nvidia-smi's first line (it takes ~0.1-1 s to initialise the driver). */
const FIRST_READ_TIMEOUT_MS = 3000;

/**
 * NVIDIA GPUs through one long-running `nvidia-smi --query-gpu=... -lms <interval>`: starting nvidia-smi
 * costs tens of milliseconds of CPU each time, so it runs once and prints a line per GPU per interval.
 * Per-process GPU memory comes from `--query-compute-apps` at most every 10 s. Without nvidia-smi on PATH
 * the host has no NVIDIA GPU to report: an empty list, not an error.
 */
export class NvidiaSmiSource implements GpuSource {
  private child: ChildProcess | null = null;
  private latest = new Map<number, { gpu: GpuReading; atMs: number }>();
  private lastError: string | null = null;
  private apps: ReturnType<typeof parseComputeApps>['rows'] = [];
  private appsAtMs = Number.NEGATIVE_INFINITY;
  private firstLine: Promise<void> | null = null;
  private closed = false;
  private readonly executable: string | null;

  constructor(
    private readonly intervalMs = 1000,
    executable: string | null = findExecutable('nvidia-smi'),
  ) {
    this.executable = executable;
  }

  private start(): void {
    if (!this.executable || this.child || this.closed) return;
    const child = spawn(
      this.executable,
      [`--query-gpu=${GPU_QUERY_FIELDS.join(',')}`, '--format=csv,noheader,nounits', `--loop-ms=${this.intervalMs}`],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    let pending = '';
    let resolveFirst: () => void = () => {};
    this.firstLine = new Promise((resolve) => {
      resolveFirst = resolve;
    });
    const onText = (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      const { rows, errors } = parseGpuQuery(lines.join('\n'));
      const now = performance.now();
      for (const gpu of rows) this.latest.set(gpu.index, { gpu, atMs: now });
      if (errors.length > 0) this.lastError = errors.at(-1) ?? null;
      else if (rows.length > 0) this.lastError = null;
      if (rows.length > 0 || errors.length > 0) resolveFirst();
    };
    child.stdout?.setEncoding('utf8').on('data', onText);
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      this.lastError = text.trim().split('\n').at(-1) ?? text;
      resolveFirst();
    });
    child.on('error', (error) => {
      this.lastError = `nvidia-smi: ${error.message}`;
      resolveFirst();
    });
    child.on('exit', (code) => {
      if (!this.closed) this.lastError ??= `nvidia-smi exited with code ${code}`;
      this.child = null;
      resolveFirst();
    });
  }

  private refreshApps(): void {
    const now = performance.now();
    if (!this.executable || now - this.appsAtMs < APPS_EVERY_MS) return;
    this.appsAtMs = now;
    execFile(
      this.executable,
      [`--query-compute-apps=${APP_QUERY_FIELDS.join(',')}`, '--format=csv,noheader,nounits'],
      { timeout: 5000 },
      (error, stdout) => {
        if (!error) this.apps = parseComputeApps(stdout).rows;
      },
    );
  }

  async read(): Promise<GpuReading[]> {
    if (!this.executable) return [];
    const restarting = !this.child;
    this.start();
    if (restarting && this.latest.size === 0 && this.firstLine) {
      await Promise.race([this.firstLine, new Promise((r) => setTimeout(r, FIRST_READ_TIMEOUT_MS).unref())]);
    }
    this.refreshApps();
    // A GPU that stopped reporting for three intervals is gone (fell off the bus, or the driver unloaded).
    const cutoff = performance.now() - 3 * this.intervalMs - 1000;
    for (const [index, entry] of this.latest) if (entry.atMs < cutoff) this.latest.delete(index);
    const gpus = [...this.latest.values()].map((e) => e.gpu).sort((a, b) => a.index - b.index);
    if (gpus.length === 0 && this.lastError) throw new Error(this.lastError);
    return attachProcesses(gpus, this.apps);
  }

  close(): void {
    this.closed = true;
    this.child?.kill();
    this.child = null;
  }
}

/** NVIDIA GPUs (utilisation, memory, temperature, power, fan, per-process memory). */
export function gpuCollector(source: GpuSource): Collector {
  return {
    name: 'gpu',
    async collect(_ctx, out) {
      out.system.gpus = await source.read();
    },
    close() {
      source.close();
    },
  };
}
