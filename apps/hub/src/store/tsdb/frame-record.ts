import { type Frame, forEachSample, type MetricDef } from '@vigil/schema';
import { type ProcessSample, selectForHistory } from './process-history.ts';
import type { CustomSample } from './storage.ts';

/**
 * What the store takes of a frame, in a form that crosses to the history thread cheaply: the catalogue's samples
 * as plain numbers in the frame's shape (a metric and label values per position), the shape only when it changed
 * since the host's previous frame, the processes worth remembering, and any custom samples.
 */
export interface FrameRecord {
  ts: number;
  /** Where this frame's values start in the batch's value buffer, and how many there are. */
  offset: number;
  count: number;
  /** The series of each position, when they differ from the host's previous frame (else null). */
  shape: SeriesShape | null;
  /**
   * The processes kept in history (selectForHistory), after the samples in the value buffer, PROCESS_FIELDS numbers
   * each. Their name, user and command line are in `processStrings` only for a process that was not in the host's
   * previous record with the same ones (ProcessDecoder remembers the rest).
   */
  processCount: number;
  processStrings: string[] | null;
  custom?: CustomSample[];
}

/** Numbers per process in the value buffer: pid, CPU %, RSS, memory %, read and write bytes/s, and whether its strings follow. */
export const PROCESS_FIELDS = 7;

/** The series of a frame's positions: the metric of each, and its label values (in the catalogue's label order). */
export interface SeriesShape {
  metrics: string[];
  labels: (string[] | null)[];
}

/** A growable buffer of float64 values, filled by several frames and handed over (transferred) as a whole. */
export class ValueBuffer {
  values = new Float64Array(4096);
  length = 0;

  push(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
  }

  /** The values so far, as a buffer of their own (this one starts empty again). */
  take(): Float64Array {
    const out = this.values.slice(0, this.length);
    this.length = 0;
    return out;
  }
}

/**
 * Remembers the shape of a host's last frame, so that most frames cross without one. It keeps the metric of
 * each position and every label value in one flat array: two arrays per host, not an object per series, since
 * these live as long as the host (a thousand hosts have ~150,000 series).
 */
export class ShapeTracker {
  /** The processes of the previous record by pid, whose strings the other side has. */
  private sent = new Map<number, ProcessSample>();
  /** The map before `sent`, cleared and filled again each record (no new map per frame). */
  private spare = new Map<number, ProcessSample>();
  private metrics: MetricDef[] = [];
  /** How many label values each position has (a metric may come with and without its labels: total and per-core CPU). */
  private counts: number[] = [];
  private labels: string[] = [];

  /** Appends the frame's values to `out` and returns its record (offset and count into `out`). */
  extract(frame: Frame, out: ValueBuffer): FrameRecord {
    const offset = out.length;
    const metrics = this.metrics;
    const labels = this.labels;
    const counts = this.counts;
    let n = 0;
    let l = 0;
    let changed = false;
    forEachSample(frame, (metric, value, labelValues) => {
      const k = labelValues ? labelValues.length : 0;
      if (!changed) {
        if (metrics[n] !== metric || counts[n] !== k) changed = true;
        else if (labelValues) {
          for (let i = 0; i < labelValues.length; i++)
            if (labels[l + i] !== labelValues[i]) {
              changed = true;
              break;
            }
        }
      }
      if (changed) {
        metrics[n] = metric;
        counts[n] = k;
        if (labelValues) for (let i = 0; i < labelValues.length; i++) labels[l + i] = labelValues[i] as string;
      }
      l += k;
      out.push(value);
      n++;
    });
    if (metrics.length !== n) {
      changed = true;
      metrics.length = n;
      counts.length = n;
    }
    labels.length = l;
    const processes = selectForHistory(frame.processes);
    let strings: string[] | null = null;
    const sent = this.sent;
    const now = this.spare;
    now.clear();
    for (const p of processes) {
      out.push(p.pid);
      out.push(p.cpuPercent);
      out.push(p.memoryRssBytes);
      out.push(p.memoryPercent);
      out.push(p.ioReadBytesPerSecond);
      out.push(p.ioWriteBytesPerSecond);
      const before = sent.get(p.pid);
      if (before && before.name === p.name && before.user === p.user && before.cmdline === p.cmdline) out.push(0);
      else {
        out.push(1);
        strings ??= [];
        strings.push(p.name, p.user, p.cmdline);
      }
      now.set(p.pid, p);
    }
    this.spare = sent;
    this.sent = now;
    return {
      ts: frame.ts,
      offset,
      count: n,
      shape: changed ? this.shape() : null,
      processCount: processes.length,
      processStrings: strings,
      ...(frame.custom && frame.custom.length > 0 ? { custom: frame.custom } : {}),
    };
  }

  /** Forgets the shape (the next frame carries it again: after the history thread restarted). */
  reset(): void {
    this.sent = new Map();
    this.metrics = [];
    this.counts = [];
    this.labels = [];
  }

  private shape(): SeriesShape {
    const shape: SeriesShape = { metrics: [], labels: [] };
    let l = 0;
    for (let i = 0; i < this.metrics.length; i++) {
      shape.metrics.push((this.metrics[i] as MetricDef).name);
      const k = this.counts[i] as number;
      shape.labels.push(k > 0 ? this.labels.slice(l, l + k) : null);
      l += k;
    }
    return shape;
  }
}

/** The receiving side of a host's records' processes: it remembers the strings of the previous record's processes. */
export class ProcessDecoder {
  private known = new Map<number, ProcessSample>();
  private spare = new Map<number, ProcessSample>();

  /** The processes of a record whose values are `values` (every record of the host goes through here, in order). */
  decode(record: FrameRecord, values: ArrayLike<number>): ProcessSample[] {
    const out: ProcessSample[] = [];
    const known = this.known;
    const now = this.spare;
    now.clear();
    const strings = record.processStrings;
    let s = 0;
    let v = record.offset + record.count;
    for (let i = 0; i < record.processCount; i++, v += PROCESS_FIELDS) {
      const pid = values[v] as number;
      let name: string;
      let user: string;
      let cmdline: string;
      if (values[v + 6] === 1) {
        if (!strings || s + 3 > strings.length) throw new RangeError(`a record names ${s / 3} processes and needs more`);
        name = strings[s] as string;
        user = strings[s + 1] as string;
        cmdline = strings[s + 2] as string;
        s += 3;
      } else {
        const before = known.get(pid);
        if (!before) throw new RangeError(`a record refers to process ${pid}, which the previous one did not have`);
        ({ name, user, cmdline } = before);
      }
      const p: ProcessSample = {
        pid,
        name,
        user,
        cmdline,
        cpuPercent: values[v + 1] as number,
        memoryRssBytes: values[v + 2] as number,
        memoryPercent: values[v + 3] as number,
        ioReadBytesPerSecond: values[v + 4] as number,
        ioWriteBytesPerSecond: values[v + 5] as number,
      };
      out.push(p);
      now.set(pid, p);
    }
    this.spare = known;
    this.known = now;
    return out;
  }
}
