import type { ProcessInfo, ProcessState } from '@vigil/schema';

/** Numbers per process in `ProcessColumns.numbers`, in this order. */
const PID = 0;
const PPID = 1;
const UID = 2;
const KERNEL_THREAD = 3;
const THREADS = 4;
const NICE = 5;
const CPU_PERCENT = 6;
const CPU_SECONDS = 7;
const RSS = 8;
const VIRTUAL = 9;
const MEMORY_PERCENT = 10;
const IO_READ = 11;
const IO_WRITE = 12;
const START_TIME = 13;
const NUMBERS = 14;
/** Strings per process in `ProcessColumns.strings`: name, cmdline, user, state. */
const STRINGS = 4;

/**
 * A host's latest process table, held in two arrays that are overwritten by every frame instead of a hundred objects.
 *
 * The hub keeps every host's latest frame until the next one comes, a second later. Objects that live that long
 * outlast V8's young generation, are promoted to the old space and die there: with a thousand hosts, the process
 * tables alone (about 22 kB of objects per frame) were 22 MB/s of old-space garbage, a major GC every 20 s whose
 * marking held up the frames queued behind it for half a second (bench:hub, issue 3). Here a frame's process objects
 * are read once, into this host's columns, and die young; `toArray()` makes objects again for whoever asks (a REST
 * request, the archive), and those die young too.
 *
 * Nullable numbers (CPU % on first sight, I/O when not permitted) are NaN in the columns; the agent never sends NaN
 * (JSON has none).
 */
export class ProcessColumns {
  private numbers = new Float64Array(0);
  private strings: string[] = [];
  private count = 0;

  get length(): number {
    return this.count;
  }

  /** Replaces the table with `processes`. */
  set(processes: readonly ProcessInfo[]): void {
    const n = processes.length;
    if (this.numbers.length < n * NUMBERS) this.numbers = new Float64Array(Math.ceil(n * 1.25) * NUMBERS);
    const numbers = this.numbers;
    const strings = this.strings;
    // Shrinks (or grows) the array of references so that a smaller table does not keep the old strings alive.
    strings.length = n * STRINGS;
    for (let i = 0; i < n; i++) {
      const p = processes[i] as ProcessInfo;
      const o = i * NUMBERS;
      numbers[o + PID] = p.pid;
      numbers[o + PPID] = p.ppid;
      numbers[o + UID] = p.uid;
      numbers[o + KERNEL_THREAD] = p.kernelThread ? 1 : 0;
      numbers[o + THREADS] = p.threads;
      numbers[o + NICE] = p.nice;
      numbers[o + CPU_PERCENT] = p.cpuPercent ?? Number.NaN;
      numbers[o + CPU_SECONDS] = p.cpuSecondsTotal;
      numbers[o + RSS] = p.memoryRssBytes;
      numbers[o + VIRTUAL] = p.memoryVirtualBytes;
      numbers[o + MEMORY_PERCENT] = p.memoryPercent;
      numbers[o + IO_READ] = p.ioReadBytesPerSecond ?? Number.NaN;
      numbers[o + IO_WRITE] = p.ioWriteBytesPerSecond ?? Number.NaN;
      numbers[o + START_TIME] = p.startTime;
      const s = i * STRINGS;
      strings[s] = p.name;
      strings[s + 1] = p.cmdline;
      strings[s + 2] = p.user;
      strings[s + 3] = p.state;
    }
    this.count = n;
  }

  /** The table as ProcessInfo objects, fields in the schema's order, in the order they were set. */
  toArray(): ProcessInfo[] {
    const numbers = this.numbers;
    const strings = this.strings;
    const out: ProcessInfo[] = new Array(this.count);
    for (let i = 0; i < this.count; i++) {
      const o = i * NUMBERS;
      const s = i * STRINGS;
      out[i] = {
        pid: numbers[o + PID] as number,
        ppid: numbers[o + PPID] as number,
        name: strings[s] as string,
        cmdline: strings[s + 1] as string,
        user: strings[s + 2] as string,
        uid: numbers[o + UID] as number,
        state: strings[s + 3] as ProcessState,
        kernelThread: numbers[o + KERNEL_THREAD] === 1,
        threads: numbers[o + THREADS] as number,
        nice: numbers[o + NICE] as number,
        cpuPercent: nullable(numbers[o + CPU_PERCENT] as number),
        cpuSecondsTotal: numbers[o + CPU_SECONDS] as number,
        memoryRssBytes: numbers[o + RSS] as number,
        memoryVirtualBytes: numbers[o + VIRTUAL] as number,
        memoryPercent: numbers[o + MEMORY_PERCENT] as number,
        ioReadBytesPerSecond: nullable(numbers[o + IO_READ] as number),
        ioWriteBytesPerSecond: nullable(numbers[o + IO_WRITE] as number),
        startTime: numbers[o + START_TIME] as number,
      };
    }
    return out;
  }
}

const nullable = (x: number): number | null => (Number.isNaN(x) ? null : x);
