/** CPU time of the calling thread alone, so that V8's helper threads (concurrent GC) can be told apart from the work. */
import { readFileSync } from 'node:fs';

/**
 * Nanosecond-precise CPU time of the thread that calls it, in µs: the first field of /proc/thread-self/schedstat
 * (time spent on the CPU, Documentation/scheduler/sched-stats.rst). NaN where it cannot be read.
 */
export function threadCpuMicros(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ', 1)[0]) / 1000;
  } catch {
    return Number.NaN;
  }
}
