/**
 * Simulated agents' frames, built from real captures of this machine: the agent's process selection (top by CPU ∪ top
 * by memory), numbers varied a little per agent and per second, serialized once into a pool so that a simulator
 * sending a thousand frames a second spends its CPU on the wire, not on JSON.stringify.
 */
import type { Frame, HostIdentity, ProcessInfo } from '@vigil/schema';
import { frameMessage, headlineOf, PROTOCOL_VERSION, ProcessRowEncoder, packFrame } from '@vigil/schema';
import { roundTo } from '../../apps/agent/src/collect/rates.ts';
import { binaryPayload, precompress, storedBlock } from './raw-socket.ts';

/** The agent's TOP_PROCESSES (apps/agent/src/collect/processes.ts): top 50 by CPU ∪ top 50 by memory. */
export const TOP_PROCESSES = 50;

/** A small seeded PRNG (mulberry32): the same seed gives the same frames, run after run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The processes an agent would send from a full table: top `top` by CPU ∪ top `top` by memory, then topped up to
 * `count` (the two lists overlap on a real host, and a busier host has more distinct heavy processes). When the table
 * is too small, entries are copied under unused pids.
 */
export function selectAgentProcesses(all: readonly ProcessInfo[], count: number, top = TOP_PROCESSES): ProcessInfo[] {
  const byCpu = [...all].sort((a, b) => (b.cpuPercent ?? 0) - (a.cpuPercent ?? 0));
  const byMemory = [...all].sort((a, b) => b.memoryRssBytes - a.memoryRssBytes);
  const chosen = new Set<ProcessInfo>([...byCpu.slice(0, top), ...byMemory.slice(0, top)]);
  for (const p of byMemory) {
    if (chosen.size >= count) break;
    chosen.add(p);
  }
  const out = [...chosen].slice(0, count);
  const maxPid = Math.max(0, ...all.map((p) => p.pid));
  for (let k = 0; out.length < count && all.length > 0; k++) {
    const source = all[k % all.length] as ProcessInfo;
    out.push({ ...source, pid: maxPid + 1 + k });
  }
  return out;
}

/** A captured frame (all processes) turned into what an agent sends on the wire: the top processes, no socket table. */
export function agentFrameOf(captured: Frame, processesPerFrame: number): Frame {
  const { connections: _connections, ...frame } = captured;
  return { ...frame, processes: selectAgentProcesses(frame.processes, processesPerFrame), processesComplete: false };
}

/** The identity of simulated agent `index`: the captured host under a distinct name and machine id. */
export function simulatedIdentity(host: HostIdentity, index: number): HostIdentity {
  const name = `bench-agent-${String(index).padStart(4, '0')}`;
  return { ...host, hostname: name, machineId: `bench${String(index).padStart(27, '0')}` };
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/**
 * Varies a reading's numbers the way consecutive seconds differ: percentages and rates move a little, counters grow,
 * used memory wobbles. Identifiers, sizes and counts stay as captured so the frame stays plausible.
 */
function vary(key: string, value: number, rnd: () => number): number {
  if (key.endsWith('Percent')) return clamp(value + (rnd() - 0.5) * 4, 0, 100);
  if (key.endsWith('PerSecond')) return value * (0.8 + rnd() * 0.4);
  if (key.startsWith('load')) return Math.round(value * (0.9 + rnd() * 0.2) * 100) / 100;
  if (key.endsWith('Total') || key === 'uptimeSeconds') {
    return Number.isInteger(value) ? value + Math.floor(rnd() * 100) : value + rnd();
  }
  if (key === 'usedBytes') return Math.max(0, Math.round(value * (0.99 + rnd() * 0.02)));
  return value;
}

function varyTree(node: unknown, rnd: () => number): unknown {
  if (Array.isArray(node)) return node.map((item) => varyTree(item, rnd));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] = typeof value === 'number' ? vary(key, value, rnd) : varyTree(value, rnd);
  }
  return out;
}

/** A process a second later, its percentages rounded as the agent reports them (apps/agent/src/collect/processes.ts). */
function varyProcess(p: ProcessInfo, rnd: () => number): ProcessInfo {
  const rssBytes = Math.round((p.memoryRssBytes * (0.98 + rnd() * 0.04)) / 4096) * 4096;
  return {
    ...p,
    cpuPercent: p.cpuPercent === null ? null : roundTo(Math.max(0, p.cpuPercent * (0.5 + rnd()) + rnd() * 0.5), 2),
    cpuSecondsTotal: Math.round((p.cpuSecondsTotal + rnd() * 0.05) * 100) / 100,
    memoryRssBytes: rssBytes,
    memoryPercent: p.memoryRssBytes > 0 ? roundTo((p.memoryPercent * rssBytes) / p.memoryRssBytes, 3) : p.memoryPercent,
  };
}

/** One variant of a frame: same shape, numbers moved a little. */
export function varyFrame(frame: Frame, rnd: () => number): Frame {
  return {
    ...frame,
    durationMs: frame.durationMs * (0.8 + rnd() * 0.4),
    system: varyTree(frame.system, rnd) as Frame['system'],
    processes: frame.processes.map((p) => varyProcess(p, rnd)),
  };
}

/** A protocol the simulated agents speak (see PROTOCOL_VERSION in packages/schema/src/version.ts). */
export type SimulatedProtocol = 1 | 2 | 3 | 4 | 5;

/**
 * Frames serialized once, with `seq` and `ts` spliced in at send time. Agent `a` sends variant (7a + second) mod size
 * in a given second: consecutive frames of one agent differ, and so do different agents' frames of the same second.
 *
 * Protocols 4 and 5 send a process's static fields once per connection (frame-delta.ts), so what an agent sends depends on
 * what it sent before: each variant is kept twice, in full (the first frame of a connection) and as the agent would
 * send it right after the previous variant (`variant - 1`), the usual case. `previous` (the variant this agent last
 * sent on its connection, or null) chooses between them; the captures' process tables differ a little from one
 * another, as a host's top processes do from one second to the next.
 */
export class FramePool {
  private readonly bodies: string[];
  /** Protocols 4 and 5: variant i as sent right after variant i - 1. */
  private readonly followBodies: string[] = [];
  /** Protocol 5: each variant's headline without its opening brace, seq and ts. */
  private readonly headlines: string[] = [];
  private compressedBodies: Buffer[] | null = null;
  private compressedFollowBodies: Buffer[] | null = null;

  /**
   * `protocol` 5 (the default) sends each frame's headline in front of it and splits processes into static fields and
   * values, as the agent does (hub-client.ts); 4 splits them without a headline; 3 and 2 send every process as a full
   * row; 1 as objects, as agents before protocol 2 did (the hub still accepts them all). 3 to 5 go as binary messages
   * (`binaryMessage`), 2 and 1 as text.
   */
  constructor(
    templates: readonly Frame[],
    size: number,
    seed: number,
    private readonly protocol: SimulatedProtocol = PROTOCOL_VERSION as 5,
  ) {
    if (templates.length === 0) throw new Error('no frame templates');
    const rnd = seededRandom(seed);
    const frames: Frame[] = [];
    for (let i = 0; i < size; i++) frames.push(varyFrame(templates[i % templates.length] as Frame, rnd));
    // '{"durationMs":...' without its opening brace, to follow the spliced-in header.
    const body = (wire: object): string => {
      const { v: _v, type: _type, seq: _seq, ts: _ts, ...rest } = wire as Record<string, unknown>;
      return JSON.stringify(rest).slice(1);
    };
    const encoder = new ProcessRowEncoder();
    this.bodies = frames.map((frame) => {
      if (protocol === 1) return body(frame);
      if (protocol < 4) return body(packFrame(frame));
      encoder.reset();
      return body(encoder.encode(frame));
    });
    if (protocol >= 5) for (const frame of frames) this.headlines.push(body(headlineOf(frame)));
    if (protocol >= 4) {
      for (let i = 0; i < size; i++) {
        encoder.reset();
        encoder.encode(frames[(i - 1 + size) % size] as Frame);
        this.followBodies.push(body(encoder.encode(frames[i] as Frame)));
      }
    }
  }

  get size(): number {
    return this.bodies.length;
  }

  /** The variant agent `agent` sends for time `ts`. */
  variant(agent: number, ts: number): number {
    return (agent * 7 + Math.floor(ts / 1000)) % this.bodies.length;
  }

  private follows(variant: number, previous: number | null): boolean {
    return this.protocol >= 4 && previous === (variant - 1 + this.bodies.length) % this.bodies.length;
  }

  private header(seq: number, ts: number): string {
    return `{"v":${this.protocol},"type":"frame","seq":${seq},"ts":${ts},`;
  }

  /** The JSON text of agent `agent`'s frame number `seq` for time `ts`, after it sent variant `previous` (or none). */
  message(agent: number, seq: number, ts: number, previous: number | null = null): string {
    const v = this.variant(agent, ts);
    return this.header(seq, ts) + (this.follows(v, previous) ? this.followBodies[v] : this.bodies[v]);
  }

  /**
   * The same message as permessage-deflate payload pieces (see raw-socket.ts): the header in a stored block, then the
   * body compressed once in advance.
   */
  compressedMessage(agent: number, seq: number, ts: number, previous: number | null = null): Buffer[] {
    this.compressedBodies ??= this.bodies.map((b) => precompress(b));
    this.compressedFollowBodies ??= this.followBodies.map((b) => precompress(b));
    const v = this.variant(agent, ts);
    const body = this.follows(v, previous) ? this.compressedFollowBodies[v] : this.compressedBodies[v];
    return [storedBlock(Buffer.from(this.header(seq, ts))), body as Buffer];
  }

  /**
   * The same message as protocols 3 to 5 send it: a binary message holding raw DEFLATE data that ends on a block
   * boundary, after the frame's headline and a newline from protocol 5 on.
   */
  binaryMessage(agent: number, seq: number, ts: number, previous: number | null = null): Buffer[] {
    const payload = binaryPayload(this.compressedMessage(agent, seq, ts, previous));
    if (this.protocol < 5) return payload;
    const headline = `{"seq":${seq},"ts":${ts},${this.headlines[this.variant(agent, ts)]}`;
    return frameMessage(headline, payload).map((piece) => Buffer.from(piece.buffer, piece.byteOffset, piece.length));
  }

  /** Mean serialized size, in bytes (UTF-8), of the frames agents send in the steady state. */
  meanBytes(): number {
    const steady = this.protocol >= 4 ? this.followBodies : this.bodies;
    return steady.reduce((sum, b) => sum + Buffer.byteLength(b), 0) / steady.length + 40;
  }
}
