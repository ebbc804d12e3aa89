import type { CpuTimes } from '@vigil/procfs';
import type { CpuTimesPercent } from '@vigil/schema';

const TWO_POW_32 = 2 ** 32;

interface Sample {
  value: number;
  atMs: number;
  seen: number;
}

/**
 * The per-second rate of a counter between two samples, or null when there is none: no interval, or a reset.
 * A counter that went down is either a 32-bit wrap (it was below 2^32 and the wrapped distance is under
 * half the range: /proc/net/dev on 32-bit kernels) or a reset (a driver reload, a re-created interface).
 * A wrap gives the true rate; a reset gives null once, so no spike is ever invented. (The same reasoning as
 * node_exporter's cpu jump-back rule and beszel's deltatracker.)
 */
export function counterRate(previous: number, previousAtMs: number, value: number, atMs: number): number | null {
  const seconds = (atMs - previousAtMs) / 1000;
  if (!(seconds > 0)) return null; // also when there is no previous time (NaN)
  let delta = value - previous;
  if (delta < 0) {
    const wrapped = value + TWO_POW_32 - previous;
    if (previous < TWO_POW_32 && wrapped < TWO_POW_32 / 2) delta = wrapped;
    else return null;
  }
  return delta / seconds;
}

/**
 * Turns monotonically increasing counters into per-second rates (see `counterRate`), keyed by any string.
 * - The first sample of a key has no rate (null).
 * - `sweep()` forgets keys not updated since the previous sweep (exited processes, removed disks).
 */
export class CounterRates {
  private samples = new Map<string, Sample>();
  private generation = 0;

  /** Records `value` at monotonic time `atMs` and returns the rate per second since the previous sample. */
  rate(key: string, value: number, atMs: number): number | null {
    const previous = this.samples.get(key);
    this.samples.set(key, { value, atMs, seen: this.generation });
    return previous ? counterRate(previous.value, previous.atMs, value, atMs) : null;
  }

  /** Drops keys that were not updated since the last sweep; call once per cycle. */
  sweep(): void {
    for (const [key, sample] of this.samples) if (sample.seen !== this.generation) this.samples.delete(key);
    this.generation++;
  }

  get size(): number {
    return this.samples.size;
  }
}

/** Ticks of all the modes that make up wall time (guest time is already inside user and nice). */
function busyAndTotal(t: CpuTimes): number {
  return t.user + t.nice + t.system + t.idle + t.iowait + t.irq + t.softirq + t.steal;
}

/**
 * Idle ticks may go backwards by this many per CPU before we call it a reset. Small decreases happen on
 * NO_HZ kernels when idle and iowait are re-accounted (see node_exporter cpu_linux.go); a CPU that went
 * offline and came back, or a hypervisor that restarted its counters, jumps back far more.
 */
const JUMP_BACK_TICKS = 300;

/**
 * `value` to `decimals` places. Percentages and rates go out with a few decimals, not the 17 digits a double prints:
 * finer than any view shows or history keeps, and most of a frame's numbers are such values (the hub parses every
 * frame of every agent, issue 3; the agent prints them, issue 2).
 */
export function roundTo(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

/**
 * Percent of time per mode between two /proc/stat readings of one CPU (or the total line), to 2 decimals.
 * Returns null when there is no interval or a counter jumped back (hot-plugged CPU), so the caller starts
 * over from `current`; small backward moves of single modes (iowait is known to) count as zero.
 */
export function cpuTimesPercent(previous: CpuTimes, current: CpuTimes): CpuTimesPercent | null {
  if (current.idle < previous.idle - JUMP_BACK_TICKS) return null;
  const d = (a: number, b: number) => Math.max(0, a - b);
  const user = d(current.user, previous.user);
  const nice = d(current.nice, previous.nice);
  const system = d(current.system, previous.system);
  const idle = d(current.idle, previous.idle);
  const iowait = d(current.iowait, previous.iowait);
  const irq = d(current.irq, previous.irq);
  const softirq = d(current.softirq, previous.softirq);
  const steal = d(current.steal, previous.steal);
  const guest = d(current.guest + current.guestNice, previous.guest + previous.guestNice);
  const total = user + nice + system + idle + iowait + irq + softirq + steal;
  if (total <= 0 || busyAndTotal(current) < busyAndTotal(previous) - JUMP_BACK_TICKS) return null;
  const pct = (ticks: number) => roundTo((ticks / total) * 100, 2);
  return {
    usagePercent: pct(total - idle - iowait),
    userPercent: pct(user),
    nicePercent: pct(nice),
    systemPercent: pct(system),
    idlePercent: pct(idle),
    iowaitPercent: pct(iowait),
    irqPercent: pct(irq),
    softirqPercent: pct(softirq),
    stealPercent: pct(steal),
    guestPercent: pct(guest),
  };
}
