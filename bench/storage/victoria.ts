/**
 * VictoriaMetrics (Debian's `victoria-metrics`) fed the same samples through /api/v1/import (JSON lines), for
 * its size on disk and the same 24 h query through /api/v1/export (raw) and /api/v1/query_range. Started by hand on
 * 127.0.0.1 with a temporary storage directory; reported unavailable (never thrown) when it cannot run.
 */
import { execFileSync } from 'node:child_process';
import { type Frame, forEachSample } from '@vigil/schema';
import { spawnTracked, stopTracked, type TrackedChild } from '../lib/child-processes.ts';
import { ensureDebPackages } from '../lib/deb-packages.ts';
import { httpStatus, isPortFree, timedGet } from '../lib/http-probe.ts';
import { median } from '../lib/percentile.ts';
import { clockTicksPerSecond, sampleTree } from '../lib/proc-tree.ts';
import { waitFor } from '../lib/timing.ts';
import type { Fleet } from './synth.ts';

export const VM_BIN = '/usr/bin/victoria-metrics';

export interface VictoriaOptions {
  dataDir: string;
  port: number;
  fleet: Fleet;
  steps: number;
  /** Steps per import request (each request carries that many samples of every series). */
  stepsPerRequest: number;
  queryHost: string;
  queryMetric: string;
  queryLabels: Record<string, string>;
  queryFrom: number;
  queryTo: number;
  queryStep: number;
  runs: number;
  allowInstall: boolean;
  log: (line: string) => void;
}

export interface QueryHttpTiming {
  medianMs: number;
  firstMs: number;
  points: number;
  error?: string;
}

export type VictoriaFigures =
  | { available: false; reason: string }
  | {
      available: true;
      version: string;
      samples: number;
      /** Wall time of the import requests (the harness builds each body first, untimed). */
      importWallMs: number;
      /** CPU of the VictoriaMetrics process from its start to after the final merge (import, flush, merges). */
      cpuMs: number;
      samplesPerCpuSecond: number;
      /** du of the storage directory after force_flush and force_merge, and its data/ part alone. */
      diskBytes: number;
      dataBytes: number;
      indexBytes: number;
      bytesPerSample: number;
      dataBytesPerSample: number;
      merged: boolean;
      queryRawExport: QueryHttpTiming;
      queryRawRange: QueryHttpTiming & { step: string };
      queryDownsampled: QueryHttpTiming;
    };

const round = (v: number, decimals: number) => {
  const f = 10 ** decimals;
  return Math.round(v * f) / f;
};

function duBytes(path: string): number {
  try {
    return Number(execFileSync('du', ['-sb', path], { encoding: 'utf8' }).split(/\s/)[0]);
  } catch {
    return 0;
  }
}

interface PendingSeries {
  prefix: string;
  ts: number[];
  values: number[];
}

/** Sum of the named counters or gauges in VictoriaMetrics' /metrics text. */
async function vmMetric(base: string, name: string): Promise<number> {
  const res = await timedGet(`${base}/metrics`, 5000);
  let sum = 0;
  for (const line of (res.body ?? '').split('\n')) if (line.startsWith(name)) sum += Number(line.split(' ').pop());
  return sum;
}

/** Month partitions (YYYY_MM, UTC) that [from, to] touches, for force_merge. */
function partitions(from: number, to: number): string[] {
  const out = new Set<string>();
  for (let t = from; t <= to + 86_400_000; t += 86_400_000) {
    const d = new Date(Math.min(t, to));
    out.add(`${d.getUTCFullYear()}_${String(d.getUTCMonth() + 1).padStart(2, '0')}`);
  }
  return [...out];
}

export async function measureVictoria(opts: VictoriaOptions): Promise<VictoriaFigures> {
  const ensured = await ensureDebPackages(['victoria-metrics'], { allowInstall: opts.allowInstall });
  if (!ensured.ok) return { available: false, reason: ensured.reason };
  if (!(await isPortFree('127.0.0.1', opts.port))) return { available: false, reason: `port ${opts.port} is in use` };
  // Debian's build prints an empty -version; the package version says which release it is.
  let version = 'unknown';
  try {
    version = `debian ${execFileSync('dpkg-query', ['-W', `-f=\${Version}`, 'victoria-metrics'], { encoding: 'utf8' }).trim()}`;
  } catch {}
  const base = `http://127.0.0.1:${opts.port}`;
  const vm: TrackedChild = spawnTracked(
    VM_BIN,
    [
      `-storageDataPath=${opts.dataDir}`,
      `-httpListenAddr=127.0.0.1:${opts.port}`,
      '-retentionPeriod=5y',
      // 24 h at 1 s is 86,400 points; the default cap (30,000) would refuse a raw query_range.
      '-search.maxPointsPerTimeseries=100000',
      '-search.disableCache',
      '-loggerLevel=WARN',
    ],
    {
      description: 'victoria-metrics',
      group: true,
      env: { ...process.env, http_proxy: 'http://127.0.0.1:9', https_proxy: 'http://127.0.0.1:9' },
    },
  );
  try {
    try {
      await waitFor(
        async () => {
          if (vm.exitInfo) throw new Error(`victoria-metrics exited: ${vm.stderrTail() || 'no output'}`);
          return (await httpStatus(`${base}/health`)) === 200;
        },
        { what: 'victoria-metrics /health', timeoutMs: 30_000, intervalMs: 200 },
      );
    } catch (error) {
      return { available: false, reason: (error as Error).message };
    }
    const ticks = clockTicksPerSecond();
    const cpuStart = sampleTree(vm.pid).cpuTicks;
    const hosts = opts.fleet.profiles.map((p) => p.id);
    let samples = 0;
    let importWallMs = 0;
    let lastLog = performance.now();
    for (let done = 0; done < opts.steps; ) {
      const n = Math.min(opts.stepsPerRequest, opts.steps - done);
      const pending = new Map<string, PendingSeries>();
      for (let i = 0; i < n; i++) {
        const step = opts.fleet.next();
        for (let h = 0; h < step.length; h++) {
          const host = hosts[h] as string;
          const frame = step[h] as Frame;
          forEachSample(frame, (metric, value, labelValues) => {
            const key = `${host}\u0000${metric.name}\u0000${labelValues?.join('\u0000') ?? ''}`;
            let s = pending.get(key);
            if (!s) {
              const labels: Record<string, string> = { __name__: metric.name, host };
              labelValues?.forEach((v, j) => {
                labels[metric.labels[j] as string] = v;
              });
              s = { prefix: JSON.stringify(labels), ts: [], values: [] };
              pending.set(key, s);
            }
            s.ts.push(frame.ts);
            s.values.push(round(value, metric.decimals));
            samples++;
          });
        }
      }
      const body = [...pending.values()]
        .map((s) => `{"metric":${s.prefix},"values":[${s.values.join(',')}],"timestamps":[${s.ts.join(',')}]}`)
        .join('\n');
      const t0 = performance.now();
      const res = await fetch(`${base}/api/v1/import`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      const text = await res.text();
      importWallMs += performance.now() - t0;
      if (!res.ok) throw new Error(`victoria-metrics import answered ${res.status}: ${text.slice(0, 300)}`);
      done += n;
      if (performance.now() - lastLog > 10_000) {
        lastLog = performance.now();
        opts.log(`victoria-metrics: imported ${done}/${opts.steps} steps, ${(samples / 1e6).toFixed(1)} M samples`);
      }
    }
    // Make everything searchable and on disk, then merge each month partition down, and wait until no merge runs.
    await timedGet(`${base}/internal/force_flush`, 60_000);
    for (const p of partitions(opts.queryFrom, opts.queryTo)) await timedGet(`${base}/internal/force_merge?partition_prefix=${p}`, 600_000);
    let merged = false;
    try {
      let quietPolls = 0;
      await waitFor(
        async () => {
          const active = await vmMetric(base, 'vm_active_merges');
          quietPolls = active === 0 ? quietPolls + 1 : 0;
          return quietPolls >= 3;
        },
        { what: 'victoria-metrics merges', timeoutMs: 300_000, intervalMs: 1000 },
      );
      merged = true;
    } catch {
      opts.log('victoria-metrics: merges still running after 5 min; size taken as it is');
    }
    await timedGet(`${base}/internal/force_flush`, 60_000);
    const cpuMs = ((sampleTree(vm.pid).cpuTicks - cpuStart) / ticks) * 1000;
    const diskBytes = duBytes(opts.dataDir);
    const dataBytes = duBytes(`${opts.dataDir}/data`);
    const indexBytes = duBytes(`${opts.dataDir}/indexdb`);

    const selector = `{__name__="${opts.queryMetric}",host="${opts.queryHost}"${Object.entries(opts.queryLabels)
      .map(([k, v]) => `,${k}="${v}"`)
      .join('')}}`;
    const startS = opts.queryFrom / 1000;
    const endS = opts.queryTo / 1000;
    const timeHttp = async (url: string, count: (body: string) => number): Promise<QueryHttpTiming> => {
      const first = await timedGet(url, 60_000);
      if (!first.ok)
        return {
          medianMs: Number.NaN,
          firstMs: first.ms,
          points: 0,
          error: `${first.status ?? ''} ${(first.body ?? first.error ?? '').slice(0, 300)}`,
        };
      const times: number[] = [];
      for (let i = 0; i < opts.runs; i++) times.push((await timedGet(url, 60_000)).ms);
      return { medianMs: median(times), firstMs: first.ms, points: count(first.body ?? '') };
    };
    const rangePoints = (body: string) => {
      const parsed = JSON.parse(body) as { data?: { result?: { values?: unknown[] }[] } };
      return (parsed.data?.result ?? []).reduce((n, r) => n + (r.values?.length ?? 0), 0);
    };
    const q = encodeURIComponent;
    const queryRawExport = await timeHttp(`${base}/api/v1/export?match[]=${q(selector)}&start=${startS}&end=${endS}`, (body) =>
      body
        .split('\n')
        .filter(Boolean)
        .reduce((n, line) => n + ((JSON.parse(line) as { values: unknown[] }).values?.length ?? 0), 0),
    );
    const queryRawRange = await timeHttp(
      `${base}/api/v1/query_range?query=${q(selector)}&start=${startS}&end=${endS}&step=1s&nocache=1`,
      rangePoints,
    );
    const stepS = opts.queryStep / 1000;
    const queryDownsampled = await timeHttp(
      `${base}/api/v1/query_range?query=${q(`avg_over_time(${selector}[${opts.queryStep}ms])`)}&start=${startS}&end=${endS}&step=${stepS}s&nocache=1`,
      rangePoints,
    );
    return {
      available: true,
      version,
      samples,
      importWallMs,
      cpuMs,
      samplesPerCpuSecond: samples / (cpuMs / 1000),
      diskBytes,
      dataBytes,
      indexBytes,
      bytesPerSample: diskBytes / samples,
      dataBytesPerSample: dataBytes / samples,
      merged,
      queryRawExport,
      queryRawRange: { ...queryRawRange, step: '1s' },
      queryDownsampled,
    };
  } catch (error) {
    return { available: false, reason: `victoria-metrics run failed: ${(error as Error).message}` };
  } finally {
    await stopTracked(vm, 10_000);
  }
}
