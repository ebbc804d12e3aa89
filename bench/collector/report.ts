/** Turns the collector benchmark's results into the readable table and the one-line JSON summary. */
import { roundOrNull } from '../lib/percentile.ts';
import type { SubjectResult } from './measure.ts';
import type { SubjectName } from './subjects.ts';

/** What vigil's collector must stay within on a ~300-process host. */
export const TARGETS = { collectMsMedian: 8, cpuPercent: 1.0, rssMb: 60 } as const;

export interface RunInfo {
  processes: number;
  /** The process count asked for (--processes); a subject whose window saw fewer than 90 % of it is flagged. */
  targetProcesses: number;
  windowSeconds: number;
  warmupSeconds: number;
  clockTicksPerSecond: number;
  quick: boolean;
}

type Results = Partial<Record<SubjectName, SubjectResult>>;
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const PEERS = ['node_exporter', 'glances', 'netdata'] as const;

function cpuRatio(peer: SubjectResult | undefined, vigil: SubjectResult | undefined): number {
  if (!peer?.available || !vigil?.available || !(vigil.cpuPercent > 0)) return Number.NaN;
  return peer.cpuPercent / vigil.cpuPercent;
}

/** Rounds every number (NaN/Infinity become null) so the JSON is valid and compact. */
function toJson(value: unknown): Json {
  if (typeof value === 'number') return roundOrNull(value, value !== 0 && Math.abs(value) < 0.1 ? 4 : 2);
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean' || typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(toJson);
  const out: { [k: string]: Json } = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) if (v !== undefined) out[k] = toJson(v);
  return out;
}

/**
 * Whether the subject faced the process table the run is about. Fillers can die under it (someone's `pkill`, an OOM
 * kill), and a collector walking 70 processes instead of 300 looks far cheaper than it is.
 */
function sawProcessTable(info: RunInfo, r: SubjectResult | undefined): boolean {
  return r?.available === true && r.processesDuringWindow >= 0.9 * info.targetProcesses;
}

function passes(info: RunInfo, results: Results): Record<string, boolean | null> {
  const v = results.vigil;
  if (!v?.available) return { collectMsMedian: null, cpuPercent: null, rssMb: null, processTable: null, all: null };
  const collect = Number.isFinite(v.collectMsMedian) ? (v.collectMsMedian as number) <= TARGETS.collectMsMedian : false;
  const cpu = v.cpuPercent <= TARGETS.cpuPercent;
  const rss = v.rssMb <= TARGETS.rssMb;
  const table = sawProcessTable(info, v);
  return { collectMsMedian: collect, cpuPercent: cpu, rssMb: rss, processTable: table, all: collect && cpu && rss && table };
}

/** The summary object printed as the last line of stdout. */
export function summary(info: RunInfo, results: Results): Json {
  const ratios: Record<string, number> = {};
  for (const p of PEERS) ratios[`${p}_over_vigil`] = cpuRatio(results[p], results.vigil);
  return toJson({
    processes: info.processes,
    windowSeconds: info.windowSeconds,
    warmupSeconds: info.warmupSeconds,
    clockTicksPerSecond: info.clockTicksPerSecond,
    quick: info.quick,
    ...results,
    ratios,
    targets: TARGETS,
    pass: passes(info, results),
  });
}

function fmt(value: number | undefined, digits = 2): string {
  return value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits);
}

function pad(cells: string[], widths: number[]): string {
  return cells
    .map((c, i) => c.padEnd(widths[i] ?? 0))
    .join('  ')
    .trimEnd();
}

/** The human-readable report: one row per subject, then CPU ratios and vigil's targets. */
export function table(info: RunInfo, results: Results): string {
  const head = [
    'subject',
    'CPU % 1 core',
    'RSS MB med',
    'RSS MB peak',
    'tree procs',
    'collect ms med/p99',
    'poll ms med/p99',
    'harness / other CPU %',
    'note',
  ];
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const [name, r] of Object.entries(results) as Array<[SubjectName, SubjectResult]>) {
    if (!r.available) {
      rows.push([name, 'unavailable', '', '', '', '', '', '', '']);
      notes.push(`${name}: ${r.reason}`);
      continue;
    }
    const note: string[] = [];
    if (r.standIn) note.push('STAND-IN, not vigil');
    if (!sawProcessTable(info, r))
      note.push(`INVALID: ${r.processesDuringWindow} processes during the window, not ${info.targetProcesses}`);
    if (r.port) note.push(`127.0.0.1:${r.port}`);
    if (r.secondsBetweenCollections !== undefined) note.push(`collects every ${fmt(r.secondsBetweenCollections)} s`);
    if (r.pollErrors) note.push(`${r.pollErrors} failed polls`);
    if (r.badFrames) note.push(`${r.badFrames} bad frames`);
    rows.push([
      name,
      fmt(r.cpuPercent),
      fmt(r.rssMb, 1),
      fmt(r.rssPeakMb, 1),
      String(r.treeProcesses),
      r.frames !== undefined ? `${fmt(r.collectMsMedian)} / ${fmt(r.collectMsP99)}` : '-',
      r.polls !== undefined ? `${fmt(r.pollMsMedian, 1)} / ${fmt(r.pollMsP99, 1)}` : '-',
      `${fmt(r.harnessCpuPercent, 1)} / ${fmt(r.otherCpuPercent, 1)}`,
      note.join(', '),
    ]);
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const out: string[] = [
    `Collector benchmark: ${info.processes} processes in /proc, window ${info.windowSeconds} s after ${info.warmupSeconds} s warm-up, CLK_TCK ${info.clockTicksPerSecond}${info.quick ? ' (quick run)' : ''}`,
    '',
    pad(head, widths),
    pad(
      widths.map((w) => '-'.repeat(w)),
      widths,
    ),
    ...rows.map((r) => pad(r, widths)),
  ];
  if (notes.length > 0) out.push('', ...notes.map((n) => `unavailable: ${n}`));
  out.push(
    '',
    'harness / other CPU %: this harness, and the rest of the machine (other users), during the window; a high "other" means a noisy run.',
  );

  const ratioText = PEERS.filter((p) => results[p]?.available)
    .map((p) => `${p} ${fmt(cpuRatio(results[p], results.vigil), 1)}x`)
    .join(', ');
  if (ratioText) out.push('', `CPU relative to vigil: ${ratioText}`);

  const v = results.vigil;
  if (v?.available) {
    const p = passes(info, results);
    const mark = (ok: boolean | null | undefined): string => (ok ? 'PASS' : 'FAIL');
    out.push(
      `vigil targets${v.standIn ? ' (measured on the STAND-IN)' : ''}: ` +
        `collect median ${fmt(v.collectMsMedian)} <= ${TARGETS.collectMsMedian} ms ${mark(p.collectMsMedian)}; ` +
        `CPU ${fmt(v.cpuPercent)} <= ${TARGETS.cpuPercent} % ${mark(p.cpuPercent)}; ` +
        `RSS median ${fmt(v.rssMb, 1)} <= ${TARGETS.rssMb} MB ${mark(p.rssMb)}` +
        (p.processTable ? '' : `; process table ${v.processesDuringWindow} < 90 % of ${info.targetProcesses}: FAIL`),
    );
  }
  return out.join('\n');
}
