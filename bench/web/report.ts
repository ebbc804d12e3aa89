/** The web benchmark's readable table and its one-line JSON summary (numbers rounded, non-finite → null). */
import type { AssetSize, BundleFigures, CompressionCheck } from './bundle.ts';
import type { FirstValueFigures } from './first-value.ts';
import type { FleetViewFigures } from './fleet-view.ts';
import type { QuietWait } from './machine.ts';
import type { PhaseFigures } from './phase.ts';
import type { PageProfile } from './profile.ts';

/** Issue 5's targets for the dashboard. */
export const TARGETS = {
  /** Initial JS + CSS, gzipped at level 6 (what a server compressing on the fly typically sends), bytes (kB = 1000). */
  initialGzipBytes: 200_000,
  /** Navigation start → first live value on screen, median of cold navigations. */
  firstValueMs: 500,
  /** Longest main-thread task in the fleet view with the simulated fleet at 1 Hz. */
  longTaskMs: 50,
} as const;

export interface RunInfo {
  quick: boolean;
  hosts: number;
  mode: string;
  runs: number;
  warmupSeconds: number;
  idleSeconds: number;
  scrollSeconds: number;
  baselineSeconds: number;
  cores: number;
  chromium: string;
  viewport: string;
}

export interface Results {
  info: RunInfo;
  bundle: BundleFigures;
  compression: CompressionCheck[] | { error: string };
  firstValueOneHost: FirstValueFigures | { error: string };
  firstValueFleet: FirstValueFigures | { error: string };
  /** The fleet view fed by the hub (end to end: what the hub delivers). */
  fleetView: FleetViewFigures | { error: string };
  /** The same page with its live socket replayed by the harness at exactly one update per host per second. */
  firstValueReplay: FirstValueFigures | { error: string };
  fleetViewReplay: FleetViewFigures | { error: string };
  profile: PageProfile | { error: string } | null;
  /** With --trace-hub: Chromium traces of the fleet view fed by the hub. */
  traceViaHub: PageProfile['trace'] | { error: string } | null;
  fleet: {
    connected: number;
    openAtEnd: number;
    skipped: number;
    /** Agent connections the hub closed (e.g. missed heartbeats when it is starved), in all and during the measurements. */
    closes: number;
    closesDuringFirstValue: number;
    closesDuringFleetView: number;
    reconnects: number;
    /** Over the fleet-view measurement: frames the hub acknowledged per second, and frame ts → ack lag. */
    acksPerSecond: number;
    ackLagMsP50: number;
    ackLagMsP99: number;
    errors: string[];
  } | null;
  quiet: Record<string, QuietWait>;
  hubWarnings: Record<string, number>;
  hubExit: string;
}

const ok = <T extends object>(x: T | { error: string } | null): x is T => !!x && !('error' in x);
const f = (v: number | null | undefined, digits = 0): string =>
  v !== null && v !== undefined && Number.isFinite(v) ? v.toFixed(digits) : 'n/a';
const kb = (bytes: number): string => (bytes / 1000).toFixed(1);

function pad(rows: string[][]): string {
  const widths = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  '))
    .join('\n');
}

function bundleTable(b: BundleFigures): string {
  const row = (a: Pick<AssetSize, 'rawBytes' | 'gzip9Bytes' | 'gzip6Bytes' | 'brotliBytes'>, name: string) => [
    name,
    kb(a.rawBytes),
    kb(a.gzip9Bytes),
    kb(a.gzip6Bytes),
    kb(a.brotliBytes),
  ];
  return pad([
    ['asset (kB = 1000 bytes)', 'raw', 'gzip -9', 'gzip -6', 'brotli'],
    ...b.initial.map((a) => row(a, `${a.file} (${a.kind})`)),
    row(b.initialTotal, 'INITIAL TOTAL'),
    ...b.lazy.map((a) => row(a, `${a.file} (lazy)`)),
    row(b.lazyTotal, 'lazy total'),
  ]);
}

function firstValueLine(label: string, r: FirstValueFigures | { error: string }): string {
  if (!ok(r)) return `${label}: FAILED ${r.error}`;
  const b = r.breakdownMedianMs;
  return (
    `${label}: first value median ${f(r.firstValueMs.median)} ms, max ${f(r.firstValueMs.max)} ms (painted: ${f(r.firstValueFrameMs.median)} / ` +
    `${f(r.firstValueFrameMs.max)}) over ${r.runs.length} runs${r.failures.length ? `, ${r.failures.length} failed` : ''}\n` +
    `  median milestones ms: html ${f(b.html)}, DOMContentLoaded ${f(b.domContentLoaded)}, /auth/me ${f(b.session)}, socket created ` +
    `${f(b.socketCreated)}, open ${f(b.socketOpen)}, fleet subscribed ${f(b.fleetSubscribe)}, first fleet message ${f(b.firstFleetMessage)}, ` +
    `value ${f(b.firstValue)} (the page's own share after the first fleet message: ${f(b.renderAfterFleet)})`
  );
}

function phaseRow(name: string, p: PhaseFigures): string[] {
  return [
    name,
    f(p.seconds),
    f(p.longTasks.longestMs),
    String(p.longTasks.count),
    f(p.longTasks.totalBlockingMs),
    f(p.updates.hostUpdatesPerSecond),
    f(p.updates.messagesPerSecond, 1),
    p.hostCardsInDom ? `${p.hostCardsInDom.median}/${p.hostCardsInDom.max}` : '-',
    f(p.mainThread.busyPercent, 1),
    `${f(p.mainThread.scriptPercent, 1)}/${f(p.mainThread.stylePercent, 1)}/${f(p.mainThread.layoutPercent, 1)}`,
    p.frames ? `${f(p.frames.perSecond)} (${f(p.frames.intervalP95Ms)}/${f(p.frames.intervalMaxMs)})` : '-',
    `${f(p.cpuPercent.browser)}/${f(p.cpuPercent.hub)}/${f(p.cpuPercent.simulators)}/${f(p.cpuPercent.others)}`,
  ];
}

/** Pass/fail of each target (null when the figure could not be measured). */
export function checks(r: Results): Record<string, { value: number | null; target: number; pass: boolean | null }> {
  const view = ok(r.fleetView) ? r.fleetView : null;
  const replay = ok(r.fleetViewReplay) ? r.fleetViewReplay : null;
  const median = (x: FirstValueFigures | { error: string }) => (ok(x) ? x.firstValueMs.median : null);
  const check = (value: number | null | undefined, target: number) => {
    const v = value !== undefined && value !== null && Number.isFinite(value) ? value : null;
    return { value: v === null ? null : Math.round(v * 10) / 10, target, pass: v === null ? null : v <= target };
  };
  return {
    initialGzipBytes: check(r.bundle.initialTotal.gzip6Bytes, TARGETS.initialGzipBytes),
    firstValueMsOneHost: check(median(r.firstValueOneHost), TARGETS.firstValueMs),
    firstValueMsFleetViaHub: check(median(r.firstValueFleet), TARGETS.firstValueMs),
    longestTaskMsWatchingViaHub: check(view?.idle.longTasks.longestMs, TARGETS.longTaskMs),
    longestTaskMsScrollingViaHub: check(view?.scroll.longTasks.longestMs, TARGETS.longTaskMs),
    longestTaskMsWatchingReplayed: check(replay?.idle.longTasks.longestMs, TARGETS.longTaskMs),
    longestTaskMsScrollingReplayed: check(replay?.scroll.longTasks.longestMs, TARGETS.longTaskMs),
  };
}

const PHASE_HEADER = [
  'phase',
  's',
  'longest ms',
  'tasks>50',
  'TBT ms',
  'host upd/s',
  'msgs/s',
  'cards med/max',
  'main %',
  'script/style/layout %',
  'frames/s (p95/max ms)',
  'CPU % browser/hub/sim/others',
];

function fleetViewSection(label: string, v: FleetViewFigures | { error: string }, warmupSeconds: number): string[] {
  if (!ok(v)) return [`${label} FAILED: ${v.error}`];
  const out = [
    `${label}: load (navigation → end of ${warmupSeconds} s warm-up): longest task ${f(v.load.longestMs)} ms, ${v.load.count} long tasks, ` +
      `TBT ${f(v.load.totalBlockingMs)} ms; top ${v.load.topMs.join(', ') || 'none'}`,
    pad([
      PHASE_HEADER,
      phaseRow('watching', v.idle),
      phaseRow('scrolling', v.scroll),
      phaseRow('blank page', v.blankBaseline),
      phaseRow('blank + 10 ms tasks', v.syntheticBaseline),
    ]),
  ];
  for (const [name, p] of [
    ['watching', v.idle],
    ['scrolling', v.scroll],
  ] as const) {
    out.push(`  ${name}: top long tasks ms ${p.longTasks.topMs.join(', ') || 'none'}; ${p.updates.offlineUpdates} offline updates`);
    for (const x of p.longFrameScripts.slice(0, 4)) out.push(`    long-frame script: ${x.script}  ${x.ms} ms in ${x.count}`);
  }
  return out;
}

/** The lines of a pair of fleet-view traces (watching, scrolling): busy time by category, then the top events. */
function traceLines(what: string, trace: PageProfile['trace']): string[] {
  const out: string[] = [];
  const cats = (c: Record<string, number>) =>
    Object.entries(c)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  for (const [name, t] of [
    ['watching', trace.idle],
    ['scrolling', trace.scroll],
  ] as const) {
    out.push(
      `trace of the fleet view ${name} (${what}): ${f(t.seconds)} s, main thread ${t.busyMs} ms busy: ${cats(t.byCategory)}; ` +
        `${t.longTasks.count} tasks over 50 ms (longest ${t.longTasks.longestMs} ms) made of: ${cats(t.longTasks.byCategory)}`,
    );
    out.push(
      pad([
        ['  trace event (self time)', 'category', 'ms', 'count', 'in long tasks ms'],
        ...t.events
          .slice(0, 12)
          .map((e) => [
            `  ${e.name}`,
            e.category,
            String(e.selfMs),
            String(e.count),
            String(t.longTasks.events.find((x) => x.name === e.name)?.selfMs ?? 0),
          ]),
      ]),
    );
  }
  return out;
}

export function table(r: Results): string {
  const out: string[] = [];
  const i = r.info;
  out.push(
    `Web dashboard benchmark: ${i.hosts} simulated hosts (${i.mode}) at 1 Hz, Chromium ${i.chromium} headless ${i.viewport}, ${i.cores} cores` +
      `${i.quick ? ' (quick)' : ''}`,
  );
  out.push('', bundleTable(r.bundle));
  if (ok(r.compression)) {
    for (const c of r.compression) {
      out.push(
        `hub: GET /assets/${c.asset} with Accept-Encoding: gzip, br → HTTP ${c.status}, Content-Encoding: ${c.contentEncoding ?? '(none)'}, ` +
          `${kb(c.bytesOnWire)} kB on the wire of ${kb(c.rawBytes)} kB`,
      );
    }
  } else out.push(`hub compression check FAILED: ${r.compression.error}`);
  out.push(
    '',
    firstValueLine('first value, 1 host (local agent)', r.firstValueOneHost),
    firstValueLine(`first value, ${i.hosts + 1} hosts via the hub`, r.firstValueFleet),
    firstValueLine('first value, the same hosts replayed', r.firstValueReplay),
  );
  if (ok(r.firstValueFleet) && r.firstValueFleet.runs[0]) {
    const run = r.firstValueFleet.runs[0];
    out.push(
      `  assets before the first value: ${kb(run.assetsTransferBytes)} kB transferred, ${kb(run.assetsDecodedBytes)} kB decoded (${run.assets.join(', ')})`,
    );
  }
  out.push('', ...fleetViewSection('fleet view fed by the hub', r.fleetView, i.warmupSeconds));
  out.push('', ...fleetViewSection('fleet view fed by the replay', r.fleetViewReplay, i.warmupSeconds));
  if (r.traceViaHub) {
    out.push('');
    if (ok(r.traceViaHub)) out.push(...traceLines('fed by the hub', r.traceViaHub));
    else out.push(`trace via the hub FAILED: ${r.traceViaHub.error}`);
  }
  if (r.profile) {
    out.push('');
    if (ok(r.profile)) {
      out.push(...traceLines('as built, replayed', r.profile.trace));
      for (const [name, p] of [
        ['watching', r.profile.idle],
        ['scrolling', r.profile.scroll],
      ] as const) {
        out.push(
          `profile of the fleet view ${name} (${r.profile.build}): ${f(p.seconds)} s, main thread busy ${f(p.all.busyMs)} ms, ` +
            `${p.longStretches} busy stretches over 50 ms (longest ${f(p.longestStretchMs)} ms) holding ${f(p.long.busyMs)} ms; ${p.file}`,
        );
        const rows = (title: string, xs: { name: string; selfMs: number; busyPercent: number }[], n: number) =>
          pad([[title, 'ms', '%'], ...xs.slice(0, n).map((x) => [x.name, String(x.selfMs), f(x.busyPercent, 1)])]);
        out.push(rows('  self time', p.all.functions, 15), rows('  self time by package', p.all.packages, 8));
        out.push(rows('  self time inside long stretches', p.long.functions, 12));
        out.push(
          rows(
            '  apps/web/src, inclusive',
            p.appInclusive.map((x) => ({ name: x.name, selfMs: x.ms, busyPercent: x.busyPercent })),
            12,
          ),
        );
      }
    } else out.push(`profile FAILED: ${r.profile.error}`);
  }
  out.push('');
  for (const [name, q] of Object.entries(r.quiet)) {
    out.push(
      `machine before ${name}: others ${f(q.othersPercent)}% of a core (machine ${f(q.machinePercent)}%, ours ${f(q.oursPercent)}%)` +
        `${q.quiet ? '' : ' NOT QUIET'}, waited ${f(q.waitedMs / 1000)} s`,
    );
  }
  if (r.fleet) {
    out.push(
      `simulated fleet: ${r.fleet.connected} connected, ${r.fleet.openAtEnd} open at the end, ${r.fleet.skipped} frames skipped, ` +
        `${r.fleet.closes} closes (${r.fleet.closesDuringFirstValue} while timing the first value, ${r.fleet.closesDuringFleetView} in the fleet view)` +
        `${r.fleet.errors.length ? `; ${r.fleet.errors.join('; ')}` : ''}`,
    );
    out.push(
      `  the hub during the fleet view: ${f(r.fleet.acksPerSecond)} frames acknowledged/s of ${i.hosts} sent/s, ack lag p50/p99 ` +
        `${f(r.fleet.ackLagMsP50)}/${f(r.fleet.ackLagMsP99)} ms`,
    );
    if (r.fleet.acksPerSecond < 0.95 * i.hosts) {
      out.push('  WARNING: the hub does not keep up with the simulated fleet: the page cannot get an update per host per second');
    }
    if (r.fleet.closesDuringFirstValue + r.fleet.closesDuringFleetView > 0) {
      out.push('  WARNING: the hub dropped agents during the measurements (overloaded): the fleet figures are not representative');
    }
  }
  const c = checks(r);
  out.push(
    '',
    `targets: ${Object.entries(c)
      .map(([k, v]) => `${k} ${v.value ?? 'n/a'} ≤ ${v.target}: ${v.pass === null ? 'n/a' : v.pass ? 'pass' : 'FAIL'}`)
      .join('; ')}`,
  );
  return out.join('\n');
}

/** Traces without their long tails, for the one-line summary. */
function shortTrace(trace: PageProfile['trace']): unknown {
  const one = (t: PageProfile['trace']['idle']) => ({
    ...t,
    events: t.events.slice(0, 10),
    longTasks: { ...t.longTasks, events: t.longTasks.events.slice(0, 6) },
  });
  return { idle: one(trace.idle), scroll: one(trace.scroll) };
}

/** The profile without its long tails, for the one-line summary (the table and the kept files have more). */
function shortProfile(p: PageProfile): unknown {
  const part = (x: PageProfile['idle']) => ({
    seconds: x.seconds,
    file: x.file,
    longStretches: x.longStretches,
    longestStretchMs: x.longestStretchMs,
    busyMs: x.all.busyMs,
    functions: x.all.functions.slice(0, 10),
    packages: x.all.packages.slice(0, 8),
    inLongStretches: x.long.functions.slice(0, 8),
    appInclusive: x.appInclusive.slice(0, 10),
  });
  return {
    build: p.build,
    trace: shortTrace(p.trace),
    idle: part(p.idle),
    scroll: part(p.scroll),
  };
}

/** Rounds every number in a tree to `digits` decimals, non-finite numbers to null. */
function rounded(node: unknown, digits = 1): unknown {
  if (typeof node === 'number') return Number.isFinite(node) ? Math.round(node * 10 ** digits) / 10 ** digits : null;
  if (Array.isArray(node)) return node.map((x) => rounded(x, digits));
  if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, rounded(v, digits)]));
  return node;
}

/** The JSON summary: everything measured, per-run details of the first-value navigations left out but for the breakdown. */
export function summary(r: Results): unknown {
  const fv = (x: FirstValueFigures | { error: string }) =>
    ok(x)
      ? {
          hosts: x.hosts,
          firstValueMs: x.firstValueMs,
          firstValueFrameMs: x.firstValueFrameMs,
          breakdownMedianMs: x.breakdownMedianMs,
          runsMs: x.runs.map((run) => run.firstValueMs),
          warmUpRunMs: x.warmUpRunMs,
          shownHost: x.runs[0]?.host ?? null,
          firstFleetHosts: x.runs[0]?.firstFleetHosts ?? null,
          assetsTransferBytes: x.runs[0]?.assetsTransferBytes ?? null,
          failures: x.failures,
        }
      : x;
  const c = checks(r);
  const passes = Object.values(c).map((v) => v.pass);
  return rounded({
    bench: 'web',
    ...r.info,
    bundle: {
      initial: r.bundle.initialTotal,
      initialFiles: r.bundle.initial.map((a) => ({
        file: a.file,
        kind: a.kind,
        rawBytes: a.rawBytes,
        gzip9Bytes: a.gzip9Bytes,
        gzip6Bytes: a.gzip6Bytes,
        brotliBytes: a.brotliBytes,
      })),
      lazy: r.bundle.lazyTotal,
      lazyGzip9ByName: Object.fromEntries(r.bundle.lazy.map((a) => [a.name, a.gzip9Bytes])),
      indexHtmlBytes: r.bundle.indexHtmlBytes,
      hubCompression: ok(r.compression)
        ? r.compression.map((x) => ({
            asset: x.asset,
            contentEncoding: x.contentEncoding,
            bytesOnWire: x.bytesOnWire,
            rawBytes: x.rawBytes,
          }))
        : r.compression,
      hubCompresses: ok(r.compression) ? r.compression.every((x) => x.contentEncoding !== null) : null,
    },
    firstValue: { oneHost: fv(r.firstValueOneHost), fleetViaHub: fv(r.firstValueFleet), fleetReplayed: fv(r.firstValueReplay) },
    fleetViewViaHub: r.fleetView,
    fleetViewReplayed: r.fleetViewReplay,
    profile: ok(r.profile) ? shortProfile(r.profile) : r.profile,
    traceViaHub: ok(r.traceViaHub) ? shortTrace(r.traceViaHub) : r.traceViaHub,
    fleet: r.fleet,
    quiet: r.quiet,
    hubWarnings: r.hubWarnings,
    hubExit: r.hubExit,
    targets: TARGETS,
    checks: c,
    pass: passes.includes(null) ? null : passes.every(Boolean),
  });
}
