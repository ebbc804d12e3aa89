/**
 * Simulated agents' frames, built from real captures of this machine: the agent's process selection (top by CPU ∪ top
 * by memory), numbers varied a little per agent and per second, serialized once into a pool so that a simulator
 * sending a thousand frames a second spends its CPU on the wire, not on JSON.stringify.
 */
import type { Frame, HostIdentity, ProcessInfo } from '@vigil/schema';
import { PROTOCOL_VERSION, packFrame } from '@vigil/schema';
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

function varyProcess(p: ProcessInfo, rnd: () => number): ProcessInfo {
  const rssBytes = Math.round((p.memoryRssBytes * (0.98 + rnd() * 0.04)) / 4096) * 4096;
  return {
    ...p,
    cpuPercent: p.cpuPercent === null ? null : Math.max(0, p.cpuPercent * (0.5 + rnd()) + rnd() * 0.5),
    cpuSecondsTotal: Math.round((p.cpuSecondsTotal + rnd() * 0.05) * 100) / 100,
    memoryRssBytes: rssBytes,
    memoryPercent: p.memoryRssBytes > 0 ? (p.memoryPercent * rssBytes) / p.memoryRssBytes : p.memoryPercent,
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

/**
 * Frames serialized once, with `seq` and `ts` spliced in at send time. Agent `a` sends variant (7a + second) mod size
 * in a given second: consecutive frames of one agent differ, and so do different agents' frames of the same second.
 */
export class FramePool {
  private readonly bodies: string[];
  private compressedBodies: Buffer[] | null = null;

  /**
   * `protocol` 3 (the default) and 2 send processes as rows, as the agent does (hub-client.ts); 1 as objects, as
   * agents before protocol 2 did (the hub still accepts them). 3 differs from 2 on the wire only (`binaryMessage`).
   */
  constructor(
    templates: readonly Frame[],
    size: number,
    seed: number,
    private readonly protocol: 1 | 2 | 3 = PROTOCOL_VERSION as 3,
  ) {
    if (templates.length === 0) throw new Error('no frame templates');
    const rnd = seededRandom(seed);
    this.bodies = [];
    for (let i = 0; i < size; i++) {
      const frame = varyFrame(templates[i % templates.length] as Frame, rnd);
      const { v: _v, type: _type, seq: _seq, ts: _ts, ...rest } = protocol === 1 ? frame : packFrame(frame);
      // '{"durationMs":...' without its opening brace, to follow the spliced-in header.
      this.bodies.push(JSON.stringify(rest).slice(1));
    }
  }

  get size(): number {
    return this.bodies.length;
  }

  private variant(agent: number, ts: number): number {
    return (agent * 7 + Math.floor(ts / 1000)) % this.bodies.length;
  }

  private header(seq: number, ts: number): string {
    return `{"v":${this.protocol},"type":"frame","seq":${seq},"ts":${ts},`;
  }

  /** The JSON text of agent `agent`'s frame number `seq` for time `ts`. */
  message(agent: number, seq: number, ts: number): string {
    return this.header(seq, ts) + this.bodies[this.variant(agent, ts)];
  }

  /**
   * The same message as permessage-deflate payload pieces (see raw-socket.ts): the header in a stored block, then the
   * body compressed once in advance.
   */
  compressedMessage(agent: number, seq: number, ts: number): Buffer[] {
    this.compressedBodies ??= this.bodies.map((b) => precompress(b));
    return [storedBlock(Buffer.from(this.header(seq, ts))), this.compressedBodies[this.variant(agent, ts)] as Buffer];
  }

  /** The same message as protocol 3 sends it: a binary message holding raw DEFLATE data that ends on a block boundary. */
  binaryMessage(agent: number, seq: number, ts: number): Buffer[] {
    return binaryPayload(this.compressedMessage(agent, seq, ts));
  }

  /** Mean serialized size, in bytes (UTF-8). */
  meanBytes(): number {
    return this.bodies.reduce((sum, b) => sum + Buffer.byteLength(b), 0) / this.bodies.length + 40;
  }
}
