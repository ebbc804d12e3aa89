import { type Alert, type AlertRule, AlertRuleInput, type Frame, type ProcessInfo } from '@vigil/schema';
import { describe, expect, it } from 'vitest';
import { AlertEngine, type AlertRecords, type NotificationKind } from './engine.ts';

class MemoryRecords implements AlertRecords {
  alerts: Alert[] = [];
  transitions: { id: number; from: string; to: string; severity: string; value: number | null }[] = [];
  open(a: Omit<Alert, 'id'>): Alert {
    const alert = { ...a, id: this.alerts.length + 1 };
    this.alerts.push(alert);
    this.transitions.push({ id: alert.id, from: 'none', to: 'pending', severity: alert.severity, value: alert.value });
    return alert;
  }
  update(a: Alert, t: { from: string; to: string }): void {
    this.transitions.push({ id: a.id, from: t.from, to: t.to, severity: a.severity, value: a.value });
  }
  unresolved(): Alert[] {
    return this.alerts.filter((a) => a.state !== 'resolved');
  }
}

let nextId = 1;
const rule = (input: Parameters<typeof AlertRuleInput.parse>[0]): AlertRule =>
  ({ ...AlertRuleInput.parse(input), id: nextId++, source: 'api' }) as AlertRule;

function frame(ts: number, system: Frame['system'], processes: Partial<ProcessInfo>[] = []): Frame {
  return {
    v: 1,
    type: 'frame',
    seq: 0,
    ts,
    durationMs: 1,
    system,
    processes: processes as ProcessInfo[],
    processesComplete: false,
    collectors: {},
  };
}
const cpu = (ts: number, usagePercent: number) =>
  frame(ts, {
    cpu: {
      logicalCount: 1,
      onlineCount: 1,
      physicalCount: 1,
      total: {
        usagePercent,
        userPercent: 0,
        nicePercent: 0,
        systemPercent: 0,
        idlePercent: 0,
        iowaitPercent: 0,
        irqPercent: 0,
        softirqPercent: 0,
        stealPercent: 0,
        guestPercent: 0,
      },
      cores: [],
      frequency: { currentMhz: null, minMhz: null, maxMhz: null },
    },
  });

/** A filesystem reading with only its mount point and use as the tests need them. */
const fs = (mountpoint: string, usedPercent: number) => ({
  device: 'x',
  mountpoint,
  fstype: 'ext4',
  readOnly: false,
  sizeBytes: 1,
  usedBytes: 1,
  freeBytes: 0,
  usedPercent,
  inodesTotal: 0,
  inodesUsed: 0,
  inodesFree: 0,
  inodesUsedPercent: 0,
});

function setup(rules: AlertRule[]) {
  const clock = {
    t: 1_000_000,
    now() {
      return this.t;
    },
  };
  const records = new MemoryRecords();
  const told: { kind: NotificationKind; severity: string; subject: string }[] = [];
  const counts: Record<string, { warning: number; critical: number }> = {};
  const engine = new AlertEngine(
    clock,
    { rules: () => rules },
    records,
    { notify: (a, kind) => told.push({ kind, severity: a.severity, subject: a.subject }) },
    (h, c) => (counts[h] = c),
  );
  const at = (seconds: number, f: (ts: number) => Frame) => {
    clock.t = 1_000_000 + seconds * 1000;
    engine.onFrame('web-1', ['prod'], f(clock.t));
  };
  return { clock, records, told, engine, at, counts };
}

/** An engine on a clock at 0 that tells nobody, for tests that change the rules or call it directly. */
function bare(rules: () => readonly AlertRule[]) {
  const clock = {
    t: 0,
    now() {
      return this.t;
    },
  };
  const records = new MemoryRecords();
  return { clock, records, engine: new AlertEngine(clock, { rules }, records, { notify() {} }) };
}

describe('AlertEngine', () => {
  it('goes pending, fires after `for`, and resolves past the clear level (hysteresis)', () => {
    const r = rule({ name: 'cpu', metric: 'cpu_usage_percent', op: '>', warning: 80, critical: 95, clear: 70, for: '5s' });
    const { at, told, records } = setup([r]);
    at(0, (ts) => cpu(ts, 85));
    expect(records.alerts[0]?.state).toBe('pending');
    at(3, (ts) => cpu(ts, 90));
    expect(told).toEqual([]);
    at(5, (ts) => cpu(ts, 90));
    expect(told).toEqual([{ kind: 'firing', severity: 'warning', subject: 'cpu_usage_percent' }]);
    at(6, (ts) => cpu(ts, 75)); // below warning, above clear: still firing
    expect(records.alerts[0]?.state).toBe('firing');
    at(7, (ts) => cpu(ts, 69));
    expect(records.alerts[0]?.state).toBe('resolved');
    expect(told.map((t) => t.kind)).toEqual(['firing', 'resolved']);
    expect(records.transitions.map((t) => `${t.from}>${t.to}@${t.value}`)).toEqual([
      'none>pending@85',
      'pending>firing@90',
      'firing>resolved@69',
    ]);
  });

  it('does not fire when the condition clears within `for`', () => {
    const { at, told, records } = setup([rule({ name: 'cpu', metric: 'cpu_usage_percent', warning: 80, for: '1m' })]);
    at(0, (ts) => cpu(ts, 85));
    at(30, (ts) => cpu(ts, 10));
    expect(told).toEqual([]);
    expect(records.alerts[0]).toMatchObject({ state: 'resolved', firedAt: null, resolvedBy: 'cleared before firing' });
  });

  it('escalates to critical (told) and back to warning (not told) while firing', () => {
    const { at, told, counts } = setup([rule({ name: 'cpu', metric: 'cpu_usage_percent', warning: 80, critical: 95 })]);
    at(0, (ts) => cpu(ts, 85));
    at(1, (ts) => cpu(ts, 97));
    expect(counts['web-1']).toEqual({ warning: 0, critical: 1 });
    at(2, (ts) => cpu(ts, 85));
    expect(told.map((t) => `${t.kind}:${t.severity}`)).toEqual(['firing:warning', 'escalated:critical']);
    expect(counts['web-1']).toEqual({ warning: 1, critical: 0 });
  });

  it('takes the rate of a counter, and skips a reset', () => {
    const r = rule({ name: 'forks', kind: 'rate', metric: 'forks_total', warning: 100 });
    const { at, told } = setup([r]);
    const forks = (total: number) => (ts: number) => frame(ts, { kernel: { forksTotal: total } as NonNullable<Frame['system']['kernel']> });
    at(0, forks(1000));
    at(1, forks(1050)); // 50/s
    expect(told).toEqual([]);
    at(2, forks(1300)); // 250/s
    expect(told.map((t) => t.kind)).toEqual(['firing']);
    at(3, forks(10)); // reset: no rate, no change (the series is still there: not "gone")
    expect(told.map((t) => t.kind)).toEqual(['firing']);
    at(4, forks(20)); // 10/s: resolves
    expect(told.map((t) => t.kind)).toEqual(['firing', 'resolved']);
  });

  it('watches custom metrics by their labels, as values and as rates', () => {
    const queue = rule({ name: 'queue', metric: 'jobs_waiting', labels: { queue: 'mail' }, warning: 100 });
    const errors = rule({ name: 'errors', kind: 'rate', metric: 'app_errors_total', warning: 5 });
    const { at, records } = setup([queue, errors]);
    const custom = (waiting: Record<string, number>, errorsTotal: number) => (ts: number) => ({
      ...frame(ts, {}),
      custom: [
        ...Object.entries(waiting).map(([q, value]) => ({ name: 'jobs_waiting', value, labels: { queue: q, shard: '1' } })),
        { name: 'app_errors_total', value: errorsTotal, labels: { app: 'shop' } },
      ],
    });
    at(0, custom({ mail: 50, video: 500 }, 0));
    expect(records.alerts).toEqual([]); // video is over, but the rule asks for mail only; no rate yet
    at(1, custom({ mail: 150, video: 500 }, 10));
    expect(records.alerts.map((a) => `${a.ruleName} ${a.subject} ${a.value}`)).toEqual([
      'queue jobs_waiting{queue="mail",shard="1"} 150',
      'errors app_errors_total{app="shop"} 10',
    ]);
    at(2, custom({ video: 500 }, 12)); // the mail queue's series is gone; 2 errors/s is below 5
    expect(records.alerts.map((a) => `${a.ruleName} ${a.state} ${a.resolvedBy}`)).toEqual([
      'queue resolved the series is gone',
      'errors resolved cleared',
    ]);
  });

  it('follows hosts going offline, firing after `for` through tick() as no frame comes', () => {
    const r = rule({ name: 'offline', kind: 'offline', for: '30s' });
    const { engine, clock, told } = setup([r]);
    engine.onStatus('web-1', [], 'offline');
    clock.t += 29_000;
    engine.tick();
    expect(told).toEqual([]);
    clock.t += 2000;
    engine.tick();
    expect(told.map((t) => `${t.kind}:${t.severity}`)).toEqual(['firing:critical']);
    engine.onStatus('web-1', [], 'online');
    expect(told.map((t) => t.kind)).toEqual(['firing', 'resolved']);
  });

  it('knows a process that is missing, and one over its CPU level', () => {
    const missing = rule({ name: 'nginx up', kind: 'process', process: 'nginx', check: 'missing' });
    const hog = rule({ name: 'java hog', kind: 'process', process: '/^java/', check: 'cpu', warning: 90 });
    const { at, told } = setup([missing, hog]);
    at(0, (ts) =>
      frame(ts, {}, [
        { pid: 5, name: 'nginx', kernelThread: false, cpuPercent: 1 },
        { pid: 6, name: 'java-app', kernelThread: false, cpuPercent: 95 },
      ]),
    );
    at(1, (ts) => frame(ts, {}, [{ pid: 6, name: 'java-app', kernelThread: false, cpuPercent: 50 }]));
    expect(told).toEqual([
      { kind: 'firing', severity: 'warning', subject: 'process /^java/' },
      { kind: 'firing', severity: 'critical', subject: 'process nginx' },
      { kind: 'resolved', severity: 'warning', subject: 'process /^java/' },
    ]);
  });

  it('takes an empty label value as "label absent": the whole CPU, not each core', () => {
    const whole = rule({ name: 'whole cpu', metric: 'cpu_usage_percent', labels: { cpu: '' }, warning: 80 });
    const any = rule({ name: 'any core', metric: 'cpu_usage_percent', warning: 80 });
    const { at, told } = setup([whole, any]);
    const withCores = (ts: number, total: number, cores: number[]) => {
      const f = cpu(ts, total);
      const c = f.system.cpu as NonNullable<Frame['system']['cpu']>;
      c.cores = cores.map((usagePercent, i) => ({ cpu: i, times: { ...c.total, usagePercent } }) as (typeof c.cores)[number]);
      return f;
    };
    // One core pegged, the CPU as a whole half idle: only the per-core rule fires, for that core only.
    at(0, (ts) => withCores(ts, 50, [100, 0]));
    expect(told).toEqual([{ kind: 'firing', severity: 'warning', subject: 'cpu_usage_percent{cpu="0"}' }]);
    at(1, (ts) => withCores(ts, 90, [90, 90]));
    expect(
      told
        .slice(1)
        .map((t) => t.subject)
        .sort(),
    ).toEqual(['cpu_usage_percent', 'cpu_usage_percent', 'cpu_usage_percent{cpu="1"}']);
  });

  it('counts zombies, and connections in a state, and applies label filters and scopes', () => {
    const zombies = rule({ name: 'zombies', kind: 'count', count: 'zombies', warning: 2 });
    const waits = rule({ name: 'close-wait', kind: 'count', count: 'connections', state: 'close_wait', warning: 10 });
    const root = rule({ name: 'root fs', metric: 'disk_used_percent', labels: { mountpoint: '/' }, warning: 90 });
    const elsewhere = rule({ name: 'other host', metric: 'disk_used_percent', warning: 1, scope: { host: 'db-1' } });
    const staging = rule({ name: 'staging only', metric: 'disk_used_percent', warning: 1, scope: { tag: 'staging' } });
    const { at, told } = setup([zombies, waits, root, elsewhere, staging]);
    at(0, (ts) =>
      frame(ts, {
        processes: { total: 10, running: 1, sleeping: 5, diskSleep: 0, stopped: 0, zombie: 3, idle: 0, threads: 10, kernelThreads: 0 },
        sockets: { tcp: { CLOSE_WAIT: 12, ESTABLISHED: 3 }, tcpTotal: 15, udpTotal: 0 },
        filesystems: [fs('/', 95), fs('/data', 99)],
      }),
    );
    expect(told.map((t) => t.subject).sort()).toEqual([
      'disk_used_percent{mountpoint="/"}',
      'tcp connections CLOSE_WAIT',
      'zombie processes',
    ]);
  });

  it('follows a host whose frames keep or change their shape (series reused from frame to frame)', () => {
    const disk = rule({ name: 'disk', metric: 'disk_used_percent', warning: 90 });
    const { at, told, records } = setup([disk]);
    const frameOf =
      (...filesystems: ReturnType<typeof fs>[]) =>
      (ts: number) =>
        frame(ts, { filesystems });
    at(0, frameOf(fs('/', 50), fs('/data', 50)));
    expect(told).toEqual([]);
    // Same shape, new values: /data crosses.
    at(1, frameOf(fs('/', 50), fs('/data', 95)));
    expect(told.map((t) => t.subject)).toEqual(['disk_used_percent{mountpoint="/data"}']);
    // A volume mounted between the two: its own series, and /data keeps its alert and its value.
    at(2, frameOf(fs('/', 50), fs('/mnt', 99), fs('/data', 96)));
    expect(told.map((t) => t.subject)).toEqual(['disk_used_percent{mountpoint="/data"}', 'disk_used_percent{mountpoint="/mnt"}']);
    const data = records.alerts.find((a) => a.subject.includes('/data'));
    expect(data?.state).toBe('firing');
    expect(data?.value).toBe(96);
    // Back to the first shape: /mnt is gone (resolved), / is still fine.
    at(3, frameOf(fs('/', 50), fs('/data', 50)));
    expect(records.alerts.find((a) => a.subject.includes('/mnt'))?.state).toBe('resolved');
  });

  it('resolves an alert whose series is gone, and one whose rule is removed', () => {
    const r = rule({ name: 'disk', metric: 'disk_used_percent', warning: 90 });
    const rules = [r];
    const { records, engine } = bare(() => rules);
    const mnt = fs('/mnt', 95);
    engine.onFrame('h', [], frame(0, { filesystems: [mnt] }));
    engine.onFrame('h', [], frame(1000, { filesystems: [] }));
    expect(records.alerts[0]).toMatchObject({ state: 'resolved', resolvedBy: 'the series is gone' });
    engine.onFrame('h', [], frame(2000, { filesystems: [mnt] }));
    rules.length = 0;
    engine.tick();
    expect(records.alerts[1]).toMatchObject({ state: 'resolved', resolvedBy: 'the rule was removed or disabled' });
    engine.onFrame('h', [], frame(3000, { filesystems: [mnt] })); // the rule is gone: nothing opens
    expect(records.alerts).toHaveLength(2);
  });

  it('keeps rate readings per series: an edited rule starts over, and custom series apart by their label names', () => {
    const before = rule({ name: 'errors', kind: 'rate', metric: 'b_total', warning: 5 });
    let rules = [before];
    const { records, engine } = bare(() => rules);
    const custom = (ts: number, samples: { name: string; value: number; labels?: Record<string, string> }[]) => ({
      ...frame(ts, {}),
      custom: samples,
    });
    engine.onFrame('h', [], custom(0, [{ name: 'b_total', value: 10 }]));
    // The rule now reads a_total (same id): b_total's reading is no previous reading of a_total.
    rules = [{ ...before, metric: 'a_total' }];
    engine.onFrame('h', [], custom(1000, [{ name: 'a_total', value: 1_000_000 }]));
    expect(records.alerts).toEqual([]);
    rules = [rule({ name: 'e', kind: 'rate', metric: 'e_total', warning: 50 })];
    engine.onFrame('h', [], custom(2000, [{ name: 'e_total', value: 0, labels: { code: '500' } }]));
    engine.onFrame('h', [], custom(3000, [{ name: 'e_total', value: 101, labels: { status: '500' } }]));
    expect(records.alerts).toEqual([]); // another series: a first reading, not 101/s
  });

  it('stays quiet after a manual resolve until the condition clears once', () => {
    const { at, told, engine, records } = setup([rule({ name: 'cpu', metric: 'cpu_usage_percent', warning: 80 })]);
    at(0, (ts) => cpu(ts, 90));
    engine.resolveManually(records.alerts[0]?.id as number, 'alice');
    at(1, (ts) => cpu(ts, 95));
    expect(records.alerts).toHaveLength(1);
    at(2, (ts) => cpu(ts, 10));
    at(3, (ts) => cpu(ts, 90));
    expect(records.alerts).toHaveLength(2);
    expect(records.alerts[0]?.resolvedBy).toBe('alice (by hand)');
    expect(told.map((t) => t.kind)).toEqual(['firing', 'resolved', 'firing']);
  });

  it('carries on with unresolved alerts after a restart instead of opening new ones', () => {
    const r = rule({ name: 'cpu', metric: 'cpu_usage_percent', warning: 80 });
    const first = setup([r]);
    first.at(0, (ts) => cpu(ts, 90));
    const clock = {
      t: 2_000_000,
      now() {
        return this.t;
      },
    };
    const engine = new AlertEngine(clock, { rules: () => [r] }, first.records, { notify() {} });
    engine.onFrame('web-1', [], cpu(clock.t, 91));
    expect(first.records.alerts).toHaveLength(1);
    expect(engine.activeAlerts()).toHaveLength(1);
  });
});
