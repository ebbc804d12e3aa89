/**
 * The alert engine under test, with what it is wired to in the hub (records, notifier, badge counts) replaced by
 * counting stand-ins, or with the hub's real AlertStore on a temporary SQLite file. Only the engine's calls are timed.
 */
import type { Alert, AlertRule, Frame } from '@vigil/schema';
import { AlertEngine, type AlertRecords, type NotificationKind } from '../../apps/hub/src/alert/engine.ts';
import { AlertStore } from '../../apps/hub/src/store/alerts.ts';
import { type Db, openDatabase } from '../../apps/hub/src/store/db.ts';
import { threadCpuMicros } from './thread-cpu.ts';

export type RecordsKind = 'memory' | 'sqlite';

/** A clock the driver sets: simulated time. */
export class SimulatedClock {
  t = 0;
  now(): number {
    return this.t;
  }
}

/** Open alerts kept in a map, as a hub without persistence would: the cheapest records the engine can have. */
class MemoryRecords implements AlertRecords {
  private nextId = 1;
  private readonly open_ = new Map<number, Alert>();
  open(a: Omit<Alert, 'id'>): Alert {
    const alert = { ...a, id: this.nextId++ };
    this.open_.set(alert.id, alert);
    return alert;
  }
  update(a: Alert, t: { from: string; to: string }): void {
    if (t.to === 'resolved') this.open_.delete(a.id);
  }
  unresolved(): Alert[] {
    return [...this.open_.values()];
  }
}

export interface Transitions {
  opened: number;
  fired: number;
  resolvedPending: number;
  resolvedFiring: number;
  severityChanged: number;
}

const noTransitions = (): Transitions => ({ opened: 0, fired: 0, resolvedPending: 0, resolvedFiring: 0, severityChanged: 0 });

/** Counts what goes through the records (each call is a write in the real store). */
class CountingRecords implements AlertRecords {
  counts = noTransitions();
  constructor(private readonly inner: AlertRecords) {}
  open(a: Omit<Alert, 'id'>): Alert {
    this.counts.opened++;
    return this.inner.open(a);
  }
  update(a: Alert, t: { from: string; to: string }): void {
    if (t.to === 'firing' && t.from === 'pending') this.counts.fired++;
    else if (t.to === 'firing') this.counts.severityChanged++;
    else if (t.from === 'firing') this.counts.resolvedFiring++;
    else this.counts.resolvedPending++;
    this.inner.update(a, t);
  }
  unresolved(): Alert[] {
    return this.inner.unresolved();
  }
}

/** Timings of one subject over the measured seconds. */
export interface SubjectTimings {
  /** µs per onFrame call. */
  frameMicros: number[];
  /** µs per tick() call. */
  tickMicros: number[];
  /** process.cpuUsage() over the measured seconds (user + system, all threads), µs. */
  cpuMicros: number;
  /** CPU of the main thread alone over the measured seconds, µs (without V8's helper threads). */
  mainThreadCpuMicros: number;
  wallMs: number;
  /** CPU µs of each measured second. */
  secondCpuMicros: number[];
}

/** One engine with its records, notifier and counters. */
export class Subject {
  readonly clock = new SimulatedClock();
  readonly engine: AlertEngine;
  readonly notifications: Record<NotificationKind, number> = { firing: 0, resolved: 0, escalated: 0, repeat: 0 };
  badgeUpdates = 0;
  readonly timings: SubjectTimings = {
    frameMicros: [],
    tickMicros: [],
    cpuMicros: 0,
    mainThreadCpuMicros: 0,
    wallMs: 0,
    secondCpuMicros: [],
  };
  private readonly records: CountingRecords;
  private readonly db: Db | undefined;
  private evaluationsAtStart = 0;
  private transitionsAtStart = noTransitions();
  private notificationsAtStart = { ...this.notifications };

  constructor(
    readonly kind: RecordsKind,
    rules: readonly AlertRule[],
    dbPath?: string,
    /** Another build of the engine, to compare versions (e.g. before and after a change). */
    Engine: typeof AlertEngine = AlertEngine,
  ) {
    if (kind === 'sqlite') {
      if (!dbPath) throw new Error('the sqlite subject needs a database path');
      this.db = openDatabase(dbPath);
      const store = new AlertStore(this.db);
      // As Alerting wires it (apps/hub/src/alert/index.ts).
      this.records = new CountingRecords({
        open: (a) => store.openAlert(a),
        update: (a, t) => store.updateAlert(a, t, this.clock.now()),
        unresolved: () => store.unresolved(),
      });
    } else {
      this.records = new CountingRecords(new MemoryRecords());
    }
    this.engine = new Engine(
      this.clock,
      { rules: () => rules },
      this.records,
      { notify: (_a, kind) => this.notifications[kind]++ },
      () => this.badgeUpdates++,
    );
  }

  /** Marks the start of the measured seconds: counts from here on are reported. */
  startMeasuring(): void {
    this.evaluationsAtStart = this.engine.evaluations;
    this.transitionsAtStart = { ...this.records.counts };
    this.notificationsAtStart = { ...this.notifications };
  }

  /**
   * One simulated second: status changes, every frame (the clock at each frame's arrival), then tick() at the end of
   * the second. Returns the CPU µs it took; timings are kept when `measure` is set.
   */
  runSecond(
    frames: readonly { hostId: string; tags: readonly string[]; frame: Frame }[],
    statuses: readonly { hostId: string; tags: readonly string[]; status: 'online' | 'offline' }[],
    secondStart: number,
    arrivalLagMs: number,
    measure: boolean,
  ): void {
    const engine = this.engine;
    const clock = this.clock;
    const frameMicros = this.timings.frameMicros;
    const cpu0 = process.cpuUsage();
    const thread0 = threadCpuMicros();
    const wall0 = performance.now();
    clock.t = secondStart;
    for (const s of statuses) engine.onStatus(s.hostId, s.tags, s.status);
    for (const f of frames) {
      clock.t = f.frame.ts + arrivalLagMs;
      const t0 = performance.now();
      engine.onFrame(f.hostId, f.tags, f.frame);
      if (measure) frameMicros.push((performance.now() - t0) * 1000);
    }
    clock.t = secondStart + 999;
    const t0 = performance.now();
    engine.tick();
    const tickMs = performance.now() - t0;
    const wall = performance.now() - wall0;
    const cpu = process.cpuUsage(cpu0);
    const thread = threadCpuMicros() - thread0;
    if (!measure) return;
    this.timings.mainThreadCpuMicros += thread;
    this.timings.tickMicros.push(tickMs * 1000);
    this.timings.wallMs += wall;
    this.timings.cpuMicros += cpu.user + cpu.system;
    this.timings.secondCpuMicros.push(cpu.user + cpu.system);
  }

  /** Counts over the measured seconds, and the state at the end. */
  counts() {
    const t = this.records.counts;
    const s = this.transitionsAtStart;
    const active = this.engine.activeAlerts();
    return {
      evaluations: this.engine.evaluations - this.evaluationsAtStart,
      opened: t.opened - s.opened,
      fired: t.fired - s.fired,
      resolvedBeforeFiring: t.resolvedPending - s.resolvedPending,
      resolvedAfterFiring: t.resolvedFiring - s.resolvedFiring,
      severityChanged: t.severityChanged - s.severityChanged,
      notifications: Object.fromEntries(
        Object.entries(this.notifications).map(([k, v]) => [k, v - (this.notificationsAtStart[k as NotificationKind] ?? 0)]),
      ) as Record<NotificationKind, number>,
      pendingAtEnd: active.filter((a) => a.state === 'pending').length,
      firingAtEnd: active.filter((a) => a.state === 'firing').length,
      hostsFiringAtEnd: this.engine.firing.size,
      activeByRule: countBy(active.map((a) => a.ruleName)),
    };
  }

  /** Lets go of the timing arrays (once the figures are taken), so the heap left is the engine's state. */
  dropTimings(): void {
    this.timings.frameMicros = [];
    this.timings.tickMicros = [];
    this.timings.secondCpuMicros = [];
  }

  close(): void {
    this.db?.close();
  }
}

function countBy(names: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of names) out[n] = (out[n] ?? 0) + 1;
  return out;
}
