/** The hub benchmark's readable table and its one-line JSON summary. */
import { roundOrNull } from '../lib/percentile.ts';
import type { SimulatedProtocol } from './frames.ts';
import type { FailedScenario, LatencyFigures, ScenarioResult } from './scenario.ts';

type Outcome = ScenarioResult | FailedScenario;
const failed = (r: Outcome): r is FailedScenario => 'error' in r;

export interface RunInfo {
  quick: boolean;
  windowSeconds: number;
  warmupSeconds: number;
  workers: number;
  cores: number;
  frameBytes: number;
  processesPerFrame: number;
  /**
   * The simulated agents' protocol: 5 a headline then the frame with static fields once per connection, binary
   * deflated (as the agent does), 4 the same without the headline, 3 full rows binary deflated, 2 rows as text, 1
   * objects as text.
   */
  protocol: SimulatedProtocol;
  systemValues: number;
  capturedFrames: number;
  simulatorClient: 'raw' | 'ws';
  simulatorDeflateLevel: number | null;
  connectPerSecond: number;
  /** The vigil command the hub ran from, and the commit of its checkout (dirty: uncommitted changes in apps/packages). */
  vigil: string;
  git: { commit: string; dirty: boolean } | null;
  /** window: the hub's main thread profiled during each window; life: over its whole life (--cpu-prof). */
  profiled: 'window' | 'life' | null;
  /** The node/V8 flags the hub ran with (--hub-node-flags; by default those it is deployed with). */
  hubNodeFlags: string;
}

/** What the hub must do on this 2-core machine (DESIGN.md "Targets"). */
export const TARGETS = {
  agents: 1000,
  /** Frame ts → live client, 99th percentile, fleet updates. */
  fleetP99Ms: 250,
  /** CPU of the hub process, percent of one core. */
  hubCpuPercentMax: 100,
  /** Frames acknowledged per second over frames due (N per second). */
  acceptedRatioMin: 0.99,
} as const;

export interface Checks {
  accepted: boolean;
  fleetP99: boolean;
  hubCpu: boolean;
  noCloses: boolean;
  pass: boolean;
}

export function checks(r: ScenarioResult): Checks {
  const accepted = r.framesPerSecondAccepted >= TARGETS.acceptedRatioMin * r.agents;
  const fleetP99 = r.fleetLatencyMs.p99 <= TARGETS.fleetP99Ms;
  const hubCpu = r.hubCpuPercent < TARGETS.hubCpuPercentMax;
  const noCloses = Object.keys(r.closes).length === 0 && r.connectedAtEnd === r.agents;
  return { accepted, fleetP99, hubCpu, noCloses, pass: accepted && fleetP99 && hubCpu && noCloses };
}

/** True when the simulator, not the hub, may have held the figures back: frames left late or not at all. */
export function simulatorLimited(r: ScenarioResult): boolean {
  return r.sendLagMs.p99 > 250 || r.framesPerSecondSent < 0.99 * r.connectedAtEnd || r.framesSkipped > 0;
}

const f = (v: number, digits = 0): string => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');
const pair = (l: LatencyFigures): string => `${f(l.p50)} / ${f(l.p99)}`;

function pad(rows: string[][]): string {
  const widths = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  '))
    .join('\n');
}

export function table(info: RunInfo, outcomes: Outcome[]): string {
  const results = outcomes.filter((r): r is ScenarioResult => !failed(r));
  const header = [
    'agents',
    'sends',
    'frames/s on time (all)',
    'hub CPU %',
    'hub RSS MB',
    'fleet p50/p99 ms',
    'worst s p99 (at :ss)',
    'host p50/p99 ms',
    'send lag p50/p99',
    'hub part p50/p99',
    'ack p50/p99',
    'sim CPU %',
    'other CPU %',
    'closes',
    'pass',
  ];
  const rows = results.map((r) => {
    const c = checks(r);
    const closes = Object.values(r.closes).reduce((a, b) => a + b, 0);
    return [
      String(r.agents),
      r.mode,
      `${f(r.framesPerSecondAccepted, 1)} (${f(r.framesPerSecondProcessed, 0)}) / ${r.agents}`,
      f(r.hubCpuPercent, 1),
      `${f(r.hubRssMbMedian)} (${f(r.hubRssMbPeak)})`,
      pair(r.fleetLatencyMs),
      r.worstSecond ? `${f(r.worstSecond.p99)} (:${String(r.worstSecond.secondOfMinute).padStart(2, '0')})` : 'n/a',
      pair(r.hostLatencyMs),
      pair(r.sendLagMs),
      pair(r.fleetHubPartMs),
      pair(r.ackLagMs),
      f(r.simulatorCpuPercent, 1),
      f(r.otherCpuPercent, 0),
      String(closes),
      `${c.pass ? 'PASS' : 'FAIL'}${simulatorLimited(r) ? ' (sim-limited?)' : ''}`,
    ];
  });
  const lines = [
    `Hub benchmark: ${info.windowSeconds} s window after ${info.warmupSeconds} s warm-up, ${info.cores} cores, ${info.workers} simulator workers; ` +
      `hub ${info.vigil}${info.git ? ` at ${info.git.commit}${info.git.dirty ? ' (with uncommitted changes)' : ''}` : ''}`,
    `Frames: ~${Math.round(info.frameBytes / 1024)} KiB JSON each (protocol ${info.protocol}: processes as ${info.protocol === 1 ? 'objects' : info.protocol >= 4 ? 'rows, static fields once per connection' : 'rows'}${info.protocol >= 3 ? ', binary deflated messages' : ''}${info.protocol >= 5 ? ' after a headline' : ''}), ${info.processesPerFrame} processes, ${info.systemValues} system values, varied from ${info.capturedFrames} captures of this host` +
      `; simulator: ${info.simulatorClient === 'raw' ? 'precompressed frames' : 'ws library'}` +
      `${info.simulatorDeflateLevel === null ? '' : `, deflate level ${info.simulatorDeflateLevel}`}${info.profiled ? `; hub profiled (${info.profiled})` : ''}${info.hubNodeFlags ? `; hub flags ${info.hubNodeFlags}` : ''}`,
    '',
    pad([header, ...rows]),
    ...outcomes.filter(failed).map((r) => `${r.agents} agents ${r.mode}: FAILED, ${r.error}`),
    '',
    `Targets at ${TARGETS.agents} agents: frames/s >= ${TARGETS.acceptedRatioMin * 100}% of agents, fleet p99 <= ${TARGETS.fleetP99Ms} ms, hub CPU < ${TARGETS.hubCpuPercentMax}% of one core, no connection closed.`,
    'frames/s on time: acked within 3 s of the window, by frame ts; (all): acks received in the window, backlog included.',
    'Latencies from the frame ts. send lag: ts -> frame written by the simulator; hub part: written -> fleet update received.',
  ];
  for (const r of results) {
    if (!r.profile) continue;
    const what = r.profile.kind === 'window' ? 'measurement window' : 'whole life';
    for (const [name, p] of [
      ['main thread', r.profile] as const,
      ...(r.profile.threads ?? []).map((t) => ['history thread', t] as const),
    ]) {
      lines.push('', `Hub profile, ${r.agents} agents ${r.mode}, ${what}, ${name} (busy ${p.busyMs} ms of ${p.wallMs} ms; ${p.file}):`);
      lines.push(
        pad([['self ms', 'busy %', 'package'], ...p.packages.slice(0, 12).map((x) => [String(x.selfMs), f(x.busyPercent, 1), x.name])]),
      );
      lines.push(
        pad([['self ms', 'busy %', 'function'], ...p.functions.slice(0, 20).map((x) => [String(x.selfMs), f(x.busyPercent, 1), x.name])]),
      );
    }
  }
  return lines.join('\n');
}

function roundLatency(l: LatencyFigures): Record<string, number | null> {
  return { count: l.count, p50: roundOrNull(l.p50, 1), p90: roundOrNull(l.p90, 1), p99: roundOrNull(l.p99, 1), max: roundOrNull(l.max, 1) };
}

export function summary(info: RunInfo, outcomes: Outcome[]): object {
  const atTarget = outcomes.filter((r) => r.agents === TARGETS.agents);
  return {
    benchmark: 'hub',
    ...info,
    frameBytes: Math.round(info.frameBytes),
    targets: TARGETS,
    scenarios: outcomes.map((r) => (failed(r) ? { ...r, checks: { pass: false } } : scenarioJson(r))),
    pass: atTarget.length > 0 ? atTarget.every((r) => !failed(r) && checks(r).pass) : null,
  };
}

function scenarioJson(r: ScenarioResult): object {
  return {
    agents: r.agents,
    mode: r.mode,
    connected: r.connected,
    connectedAtEnd: r.connectedAtEnd,
    reconnects: r.reconnects,
    framesLost: r.framesLost,
    framesPerSecondSent: roundOrNull(r.framesPerSecondSent, 1),
    framesPerSecondAccepted: roundOrNull(r.framesPerSecondAccepted, 1),
    framesPerSecondProcessed: roundOrNull(r.framesPerSecondProcessed, 1),
    framesSkipped: r.framesSkipped,
    closes: r.closes,
    hubCpuPercent: roundOrNull(r.hubCpuPercent, 1),
    hubRssMb: roundOrNull(r.hubRssMbMedian, 1),
    hubRssMbPeak: roundOrNull(r.hubRssMbPeak, 1),
    hubThreads: r.hubThreads,
    fleetLatencyMs: roundLatency(r.fleetLatencyMs),
    worstSecond: r.worstSecond && {
      secondOfMinute: r.worstSecond.secondOfMinute,
      p50: roundOrNull(r.worstSecond.p50, 1),
      p99: roundOrNull(r.worstSecond.p99, 1),
      max: roundOrNull(r.worstSecond.max, 1),
    },
    perSecondP99: r.perSecondP99,
    hostLatencyMs: roundLatency(r.hostLatencyMs),
    sendLagMs: roundLatency(r.sendLagMs),
    fleetHubPartMs: roundLatency(r.fleetHubPartMs),
    ackLagMs: roundLatency(r.ackLagMs),
    simulatorCpuPercent: roundOrNull(r.simulatorCpuPercent, 1),
    simulatorRssMb: roundOrNull(r.simulatorRssMb, 1),
    harnessCpuPercent: roundOrNull(r.harnessCpuPercent, 1),
    machineCpuPercent: roundOrNull(r.machineCpuPercent, 1),
    otherCpuPercent: roundOrNull(r.otherCpuPercent, 1),
    busyBeforePercent: r.busyBeforePercent === null ? null : roundOrNull(r.busyBeforePercent, 1),
    simulatorLimited: simulatorLimited(r),
    hubWarnings: r.hubWarnings,
    liveErrors: r.liveErrors,
    fleetMessages: r.fleetMessages,
    fleetFullMessages: r.fleetFullMessages,
    hubExit: r.hubExit,
    ...(r.profile ? { profile: r.profile } : {}),
    checks: checks(r),
  };
}
