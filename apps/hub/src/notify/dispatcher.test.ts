import { type AlertRule, AlertRuleInput, type ChannelConfig, type Frame, type ProcessInfo, type SilenceInput } from '@vigil/schema';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { AlertEngine } from '../alert/engine.ts';
import { AlertStore, openDatabase } from '../store/index.ts';
import { Dispatcher, type DispatchOptions } from './dispatcher.ts';
import type { AlertEvent } from './format.ts';

/**
 * The dispatcher between a real engine and a real (in-memory) store, on fake timers: the clock, the group
 * and retry timers and the repeat check all run on vi's time. Only the senders of channels.ts are replaced,
 * by recording ones that fail on demand (the real senders are tested end to end in e2e/alerts.live.test.ts).
 */
const outbox = vi.hoisted(() => ({
  /** Successful deliveries: channel, when (ms since the start of the test), and one line per event. */
  sent: [] as { channel: string; at: number; events: string[] }[],
  /** Every delivery attempt, failed or not. */
  attempts: [] as { channel: string; at: number }[],
  /** How many more attempts fail, by channel name (Infinity: down for good). */
  failing: new Map<string, number>(),
  start: 0,
}));

vi.mock('./channels.ts', () => ({
  senderOf: (config: ChannelConfig) => async (events: readonly AlertEvent[]) => {
    const at = Date.now() - outbox.start;
    outbox.attempts.push({ channel: config.name, at });
    const failures = outbox.failing.get(config.name) ?? 0;
    if (failures > 0) {
      outbox.failing.set(config.name, failures - 1);
      throw new Error(`${config.name} answered HTTP 503`);
    }
    outbox.sent.push({ channel: config.name, at, events: events.map((e) => `${e.kind} ${e.alert.ruleName}@${e.alert.hostId}`) });
  },
}));

const OPTIONS: DispatchOptions = {
  groupWaitMs: 10_000,
  groupIntervalMs: 5 * 60_000,
  repeatIntervalMs: 3_600_000,
  retryDelaysMs: [2000, 10_000, 30_000],
};
const MINUTE = 60_000;
const HOUR = 3_600_000;
/** Monday 6 January 2025, noon UTC. */
const START = Date.UTC(2025, 0, 6, 12);
const TAGS: Record<string, string[]> = { 'web-1': ['prod'], 'web-2': ['prod'], 'stage-1': ['staging'] };

const CPU_BUSY: AlertRuleInput = { name: 'CPU busy', metric: 'cpu_usage_percent', op: '>', warning: 80 };
const CPU_HOT: AlertRuleInput = { name: 'CPU hot', metric: 'cpu_usage_percent', op: '>', warning: 85 };

function cpuFrame(ts: number, usagePercent: number): Frame {
  const total = { usagePercent, userPercent: usagePercent, nicePercent: 0, systemPercent: 0, idlePercent: 100 - usagePercent };
  return {
    v: 1,
    type: 'frame',
    seq: 0,
    ts,
    durationMs: 1,
    system: {
      cpu: {
        logicalCount: 1,
        onlineCount: 1,
        physicalCount: 1,
        total: { ...total, iowaitPercent: 0, irqPercent: 0, softirqPercent: 0, stealPercent: 0, guestPercent: 0 },
        cores: [],
        frequency: { currentMhz: null, minMhz: null, maxMhz: null },
      },
    },
    processes: [],
    processesComplete: false,
    collectors: {},
  };
}

const closers: (() => void)[] = [];

/**
 * A store with channels (the names given; a name ending in "-off" is disabled) and rules, an engine wired to
 * the dispatcher as Alerting wires them, and `cpu(host, percent)` to feed it a frame now.
 */
function setup(ruleInputs: AlertRuleInput[], channels: string[] = ['ops', 'pager']) {
  const store = new AlertStore(openDatabase(':memory:'));
  for (const name of channels)
    store.addChannel({ type: 'webhook', name, url: `http://127.0.0.1:9/${name}`, slack: false, enabled: !name.endsWith('-off') });
  const rules: AlertRule[] = ruleInputs.map((r) => store.addRule(AlertRuleInput.parse(r), 'api'));
  const clock = { now: () => Date.now() };
  const warnings: string[] = [];
  const dispatcher = new Dispatcher(
    store,
    clock,
    () => 'http://hub.test',
    '/nonexistent',
    (hostId) => TAGS[hostId] ?? [],
    () => engine.activeAlerts(),
    () => rules,
    OPTIONS,
    (message) => warnings.push(message),
  );
  const engine = new AlertEngine(
    clock,
    { rules: () => rules },
    { open: (a) => store.openAlert(a), update: (a, t) => store.updateAlert(a, t, clock.now()), unresolved: () => store.unresolved() },
    dispatcher,
  );
  closers.push(() => dispatcher.close());
  const cpu = (hostId: string, usagePercent: number) => engine.onFrame(hostId, TAGS[hostId] ?? [], cpuFrame(Date.now(), usagePercent));
  const channel = (name: string) => store.channels().find((c) => c.config.name === name);
  /** As Alerting.acknowledge: in the store, and on the live alert the repeat check reads. */
  const acknowledge = (alertId: number, by: string) => {
    store.acknowledge(alertId, by, null);
    const live = engine.active(alertId);
    if (live) live.acknowledgedBy = by;
  };
  return { store, dispatcher, engine, rules, warnings, cpu, channel, acknowledge };
}

const sent = (channel: string) => outbox.sent.filter((n) => n.channel === channel).map(({ at, events }) => ({ at, events }));
const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);
const silence = (input: SilenceInput) => ({ scope: {}, ...input });

beforeEach(() => {
  vi.useFakeTimers({ now: START });
  outbox.start = START;
  outbox.sent.length = 0;
  outbox.attempts.length = 0;
  outbox.failing.clear();
});
afterEach(() => {
  for (const close of closers.splice(0)) close();
  vi.useRealTimers();
});

describe('grouping', () => {
  it('gathers the alerts that fire within the group wait into one notification per channel', async () => {
    const { cpu } = setup([CPU_BUSY]);
    cpu('web-1', 90);
    await advance(3000);
    cpu('web-2', 92);
    await advance(6000);
    cpu('stage-1', 95);
    await advance(999);
    expect(outbox.sent).toEqual([]);
    await advance(1);
    const group = ['firing CPU busy@web-1', 'firing CPU busy@web-2', 'firing CPU busy@stage-1'];
    expect(sent('ops')).toEqual([{ at: 10_000, events: group }]);
    expect(sent('pager')).toEqual([{ at: 10_000, events: group }]);
  });

  it('lets a flapping alert notify at most once per group interval, each time with its latest state', async () => {
    const { cpu } = setup([CPU_BUSY], ['ops']);
    // Over and under the threshold every 10 s for 15 minutes: 45 alerts opened and resolved.
    for (let s = 0; s < 15 * 60; s += 10) {
      cpu('web-1', s % 20 === 0 ? 90 : 10);
      await advance(10_000);
    }
    await advance(10 * MINUTE);
    const told = sent('ops');
    expect(told.map((n) => n.at)).toEqual([10_000, 310_000, 610_000, 910_000]);
    // The last group ends with the last flap, resolved.
    expect(told.at(-1)?.events.at(-1)).toBe('resolved CPU busy@web-1');
  });
});

describe('repeat and resolve', () => {
  it('tells a firing alert again after each repeat interval until someone acknowledges it', async () => {
    const { cpu, engine, acknowledge } = setup([CPU_BUSY], ['ops']);
    cpu('web-1', 90);
    await advance(2 * HOUR + 5 * MINUTE);
    const told = sent('ops');
    expect(told.map((n) => n.events)).toEqual([['firing CPU busy@web-1'], ['repeat CPU busy@web-1'], ['repeat CPU busy@web-1']]);
    // Each repeat comes a repeat interval after the previous notice, give or take the minute of the repeat
    // check and the group wait.
    for (const [i, notice] of told.slice(1).entries()) {
      const gap = notice.at - (told[i]?.at as number);
      expect(gap).toBeGreaterThanOrEqual(HOUR);
      expect(gap).toBeLessThanOrEqual(HOUR + MINUTE + OPTIONS.groupWaitMs);
    }
    acknowledge(engine.activeAlerts()[0]?.id as number, 'alice');
    await advance(6 * HOUR);
    expect(sent('ops')).toHaveLength(3);
  });

  it('does not repeat an alert acknowledged before its first repeat', async () => {
    const { cpu, engine, acknowledge } = setup([CPU_BUSY], ['ops']);
    cpu('web-1', 90);
    await advance(MINUTE);
    acknowledge(engine.activeAlerts()[0]?.id as number, 'alice');
    await advance(5 * HOUR);
    expect(sent('ops').map((n) => n.events)).toEqual([['firing CPU busy@web-1']]);
  });

  it('tells when a firing alert resolves, a group interval after the previous notice', async () => {
    const { cpu, store } = setup([CPU_BUSY], ['ops']);
    cpu('web-1', 90);
    await advance(20_000);
    cpu('web-1', 40);
    await advance(10 * MINUTE);
    expect(sent('ops')).toEqual([
      { at: 10_000, events: ['firing CPU busy@web-1'] },
      { at: 310_000, events: ['resolved CPU busy@web-1'] },
    ]);
    expect(store.alerts({})[0]).toMatchObject({ state: 'resolved', resolvedBy: 'cleared' });
  });

  it('tells when the process of a process alert exits', async () => {
    const { engine, store } = setup([{ name: 'hog', kind: 'process', process: 'hog', check: 'cpu', warning: 50 }], ['ops']);
    const withProcesses = (processes: Partial<ProcessInfo>[]) => ({ ...cpuFrame(Date.now(), 10), processes: processes as ProcessInfo[] });
    engine.onFrame('web-1', [], withProcesses([{ pid: 7, name: 'hog', kernelThread: false, cpuPercent: 99 }]));
    await advance(MINUTE);
    engine.onFrame('web-1', [], withProcesses([{ pid: 8, name: 'sshd', kernelThread: false, cpuPercent: 1 }]));
    await advance(10 * MINUTE);
    expect(sent('ops').map((n) => n.events)).toEqual([['firing hog@web-1'], ['resolved hog@web-1']]);
    expect(store.alerts({})[0]).toMatchObject({ state: 'resolved', resolvedBy: 'the process is gone' });
  });
});

describe('silences', () => {
  it('holds back the alerts of a silenced host, tag and rule, and tells the others', async () => {
    const { cpu, store, engine, rules } = setup([CPU_BUSY, CPU_HOT], ['ops']);
    store.addSilence(silence({ scope: { host: 'web-2' }, for: '1h' }), 'alice');
    store.addSilence(silence({ scope: { tag: 'staging' }, for: '1h' }), 'alice');
    store.addSilence(silence({ ruleId: rules[1]?.id, for: '1h' }), 'alice');
    for (const host of ['web-1', 'web-2', 'stage-1']) cpu(host, 90);
    await advance(MINUTE);
    expect(sent('ops').map((n) => n.events)).toEqual([['firing CPU busy@web-1']]);
    const silenced = engine
      .activeAlerts()
      .filter((a) => a.silenced)
      .map((a) => `${a.ruleName}@${a.hostId}`);
    expect(silenced.sort()).toEqual(['CPU busy@stage-1', 'CPU busy@web-2', 'CPU hot@stage-1', 'CPU hot@web-1', 'CPU hot@web-2']);
  });

  it('tells again once the silence ends: an alert still firing, and new ones', async () => {
    const { cpu, store } = setup([CPU_BUSY, CPU_HOT], ['ops']);
    store.addSilence(silence({ scope: { host: 'web-1' }, for: '30m' }), 'alice');
    cpu('web-1', 82);
    await advance(30 * MINUTE - 1);
    expect(outbox.sent).toEqual([]);
    await advance(2 * MINUTE);
    expect(sent('ops').map((n) => n.events)).toEqual([['firing CPU busy@web-1']]);
    cpu('web-1', 90);
    await advance(10 * MINUTE);
    expect(sent('ops').map((n) => n.events)).toEqual([['firing CPU busy@web-1'], ['firing CPU hot@web-1']]);
  });
});

describe("maintenance windows, in the hub's local time", () => {
  const zone = process.env.TZ;
  // A zone that is never UTC (UTC+9, no daylight saving), so a window read in UTC would be caught.
  beforeAll(() => {
    process.env.TZ = 'Asia/Tokyo';
  });
  afterAll(() => {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  });
  /** Unix ms of a wall-clock time in Tokyo in January 2025 (the 10th is a Friday). */
  const tokyo = (day: number, hour: number, minute: number) => Date.UTC(2025, 0, day, hour - 9, minute);
  const FRIDAY_NIGHT = { days: [5], start: '22:00', end: '02:00' };
  const OFFICE_HOURS = { days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' };

  it.each([
    ['Friday 21:59', false, FRIDAY_NIGHT, tokyo(10, 21, 59)],
    ['Friday 22:00', true, FRIDAY_NIGHT, tokyo(10, 22, 0)],
    ['Friday 23:30 (14:30 UTC, outside the window in UTC)', true, FRIDAY_NIGHT, tokyo(10, 23, 30)],
    ['Saturday 00:00, past midnight', true, FRIDAY_NIGHT, tokyo(11, 0, 0)],
    ['Saturday 01:59', true, FRIDAY_NIGHT, tokyo(11, 1, 59)],
    ['Saturday 02:00, the end', false, FRIDAY_NIGHT, tokyo(11, 2, 0)],
    ['Friday 01:00 (the night after Thursday, not listed)', false, FRIDAY_NIGHT, tokyo(10, 1, 0)],
    ['Saturday 23:00', false, FRIDAY_NIGHT, tokyo(11, 23, 0)],
    ['Monday 08:59', false, OFFICE_HOURS, tokyo(13, 8, 59)],
    ['Monday 09:00 (00:00 UTC)', true, OFFICE_HOURS, tokyo(13, 9, 0)],
    ['Friday 16:59', true, OFFICE_HOURS, tokyo(10, 16, 59)],
    ['Friday 17:00', false, OFFICE_HOURS, tokyo(10, 17, 0)],
    ['Sunday 12:00', false, OFFICE_HOURS, tokyo(12, 12, 0)],
  ])('%s: silenced %s', (_, expected, schedule, at) => {
    vi.setSystemTime(at);
    const { dispatcher, store } = setup([CPU_BUSY]);
    store.addSilence(silence({ scope: { host: 'web-1' }, schedule }), 'alice');
    const alert = { ruleId: 1, hostId: 'web-1' } as Parameters<Dispatcher['isSilenced']>[0];
    expect(dispatcher.isSilenced(alert)).toBe(expected);
    expect(dispatcher.isSilenced({ ...alert, hostId: 'web-2' })).toBe(false);
  });

  it('holds back what fires in the window across midnight, and tells it once the window closes', async () => {
    vi.setSystemTime(tokyo(10, 23, 0));
    outbox.start = Date.now();
    const { cpu, store } = setup([CPU_BUSY], ['ops']);
    store.addSilence(silence({ scope: { tag: 'prod' }, schedule: FRIDAY_NIGHT }), 'alice');
    cpu('web-1', 90);
    cpu('stage-1', 90);
    const about = (host: string) => sent('ops').flatMap((n) => n.events.filter((e) => e.endsWith(`@${host}`)));
    await advance(MINUTE);
    expect(about('stage-1')).toEqual(['firing CPU busy@stage-1']);
    await advance(tokyo(11, 2, 0) - Date.now() - 1);
    expect(about('web-1')).toEqual([]);
    await advance(2 * MINUTE);
    expect(about('web-1')).toEqual(['firing CPU busy@web-1']);
  });
});

describe('delivery', () => {
  it('retries a failing channel after each configured delay and records its error, without holding anything else up', async () => {
    outbox.failing.set('pager', Number.POSITIVE_INFINITY);
    const { cpu, channel, store, warnings } = setup([CPU_BUSY]);
    expect(() => cpu('web-1', 90)).not.toThrow();
    await advance(10_000);
    expect(sent('ops')).toEqual([{ at: 10_000, events: ['firing CPU busy@web-1'] }]);
    // Evaluation goes on while the pager is retried.
    await advance(5000);
    expect(() => cpu('web-2', 90)).not.toThrow();
    await advance(MINUTE);
    expect(outbox.attempts.filter((a) => a.channel === 'pager').map((a) => a.at)).toEqual([10_000, 12_000, 22_000, 52_000]);
    expect(channel('pager')).toMatchObject({ lastError: 'pager answered HTTP 503', lastSentAt: null });
    expect(channel('ops')).toMatchObject({ lastError: null, lastSentAt: START + 10_000 });
    expect(store.deliveries().find((d) => d.channelId === channel('pager')?.id)).toMatchObject({
      ok: false,
      attempts: 4,
      error: 'pager answered HTTP 503',
    });
    expect(warnings).toEqual(['alerts: channel pager failed after 4 attempts: pager answered HTTP 503']);
    await advance(5 * MINUTE);
    expect(sent('ops').map((n) => n.events)).toEqual([['firing CPU busy@web-1'], ['firing CPU busy@web-2']]);
  });

  it('shows the error of a channel while it is retried, delivers once it answers, and clears the error', async () => {
    outbox.failing.set('pager', 2);
    const { cpu, channel, store } = setup([CPU_BUSY]);
    cpu('web-1', 90);
    await advance(12_000);
    expect(channel('pager')?.lastError).toBe('pager answered HTTP 503');
    await advance(10_000);
    expect(sent('pager')).toEqual([{ at: 22_000, events: ['firing CPU busy@web-1'] }]);
    expect(channel('pager')).toMatchObject({ lastError: null, lastSentAt: START + 22_000 });
    expect(store.deliveries().find((d) => d.channelId === channel('pager')?.id)).toMatchObject({ ok: true, attempts: 3, error: null });
  });

  it('notifies only the channels a rule names, and no disabled channel', async () => {
    const { cpu } = setup([{ ...CPU_BUSY, channels: ['pager'] }, CPU_HOT], ['ops', 'pager', 'mail-off']);
    cpu('web-1', 90);
    await advance(MINUTE);
    expect(sent('ops').map((n) => n.events)).toEqual([['firing CPU hot@web-1']]);
    expect(sent('pager').map((n) => n.events)).toEqual([['firing CPU busy@web-1', 'firing CPU hot@web-1']]);
    expect(sent('mail-off')).toEqual([]);
  });

  it('sends a test message through one channel at once, and records a failed one', async () => {
    const { dispatcher, channel } = setup([]);
    expect(await dispatcher.test(channel('pager')?.id as number)).toEqual({ ok: true, error: null });
    expect(outbox.sent).toEqual([{ channel: 'pager', at: 0, events: ['firing test notification@vigil'] }]);
    outbox.failing.set('ops', 1);
    expect(await dispatcher.test(channel('ops')?.id as number)).toEqual({ ok: false, error: 'ops answered HTTP 503' });
    expect(channel('ops')?.lastError).toBe('ops answered HTTP 503');
    expect(await dispatcher.test(999)).toEqual({ ok: false, error: 'no such channel' });
  });
});
