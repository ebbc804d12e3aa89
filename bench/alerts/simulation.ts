/**
 * One simulated second at a time: the fleet's frames are made and serialized (untimed), parsed and validated as ingest
 * does (timed: the baseline), then handed to each engine (timed).
 */
import { type Frame, ProcessRowDecoder } from '@vigil/schema';
import { validateAgentMessage } from '../../apps/hub/src/ingest/agent-socket.ts';
import { frameOf, type Host, isOffline } from './fleet.ts';
import type { Baseline } from './report.ts';
import type { Subject } from './subject.ts';
import { threadCpuMicros } from './thread-cpu.ts';

/** Simulated time of second 0 (any fixed instant: runs are reproducible). */
const T0 = 1_800_000_000_000;
/** The hub marks a host offline after this many seconds without frames, and online with its next frame. */
const OFFLINE_AFTER_SECONDS = 3;

export class Simulation {
  readonly baseline: Baseline = { frameMicros: [], cpuMicros: 0, mainThreadCpuMicros: 0 };
  framesMeasured = 0;
  /** Of the first measured second's frames. */
  readonly frameBytes: number[] = [];
  readonly processesPerFrame: number[] = [];
  private readonly offlineSince = new Map<Host, number>();

  constructor(
    private readonly hosts: readonly Host[],
    private readonly templates: readonly Frame[],
    private readonly arrivalLagMs: number,
  ) {}

  /** Runs `second` through every subject; timings and counts are kept when `measure` is set. */
  runSecond(second: number, subjects: readonly Subject[], measure: boolean): void {
    const secondStart = T0 + second * 1000;
    const { wire, statuses } = this.makeFrames(second, secondStart, measure && this.frameBytes.length === 0);
    // No forced GC between phases: a full gc() every phase made V8 drop and redo compiled code, and tripled the
    // figures. The frames stay alive through the second, as the hub keeps each host's latest frame.
    const frames = this.ingest(wire, measure);
    // Who goes first alternates, so neither always finds the frames in the CPU caches.
    const order = second % 2 === 0 ? subjects : [...subjects].reverse();
    for (const s of order) {
      s.runSecond(frames, statuses, secondStart, this.arrivalLagMs, measure);
    }
  }

  /** Untimed: this second's frames, serialized as agents send them, and the hosts going offline or coming back. */
  private makeFrames(second: number, secondStart: number, sample: boolean) {
    const wire: { host: Host; body: Buffer }[] = [];
    const statuses: { hostId: string; tags: readonly string[]; status: 'online' | 'offline' }[] = [];
    for (const host of this.hosts) {
      const template = this.templates[(host.index + second) % this.templates.length] as Frame;
      // Agents collect on the second plus their own phase; the frame is made even when offline (counters go on).
      const frame = frameOf(host, template, second, secondStart - 300 + (host.index % 200));
      if (isOffline(host, second)) {
        const since = this.offlineSince.get(host) ?? second;
        this.offlineSince.set(host, since);
        if (second - since === OFFLINE_AFTER_SECONDS) statuses.push({ hostId: host.id, tags: host.tags, status: 'offline' });
        continue;
      }
      const since = this.offlineSince.get(host);
      if (since !== undefined) {
        if (second - since > OFFLINE_AFTER_SECONDS) statuses.push({ hostId: host.id, tags: host.tags, status: 'online' });
        this.offlineSince.delete(host);
      }
      const body = Buffer.from(JSON.stringify(frame));
      wire.push({ host, body });
      if (sample) {
        this.frameBytes.push(body.length);
        this.processesPerFrame.push(frame.processes.length);
      }
    }
    return { wire, statuses };
  }

  /** Timed baseline: what ingest pays per frame before anything else (apps/hub/src/ingest/agent-socket.ts). */
  private readonly decoder = new ProcessRowDecoder();

  private ingest(wire: readonly { host: Host; body: Buffer }[], measure: boolean) {
    const frames: { hostId: string; tags: readonly string[]; frame: Frame }[] = [];
    const micros = this.baseline.frameMicros;
    const cpu0 = process.cpuUsage();
    const thread0 = threadCpuMicros();
    for (const { host, body } of wire) {
      const start = performance.now();
      // Frames with processes as objects (protocol 1): the decoder of protocol 4 is not used.
      const parsed = validateAgentMessage(JSON.parse(body.toString('utf8')), this.decoder);
      if (measure) micros.push((performance.now() - start) * 1000);
      if (!parsed.success || parsed.data.type !== 'frame')
        throw new Error(`a generated frame does not validate: ${parsed.success ? 'not a frame' : `${parsed.path}: ${parsed.message}`}`);
      frames.push({ hostId: host.id, tags: host.tags, frame: parsed.data });
    }
    const cpu = process.cpuUsage(cpu0);
    const thread = threadCpuMicros() - thread0;
    if (measure) {
      this.baseline.cpuMicros += cpu.user + cpu.system;
      this.baseline.mainThreadCpuMicros += thread;
      this.framesMeasured += frames.length;
    }
    return frames;
  }
}
