/**
 * A frame's headline: the few figures the fleet view shows of a host (CPU, memory, disk, network, load...), with the
 * frame's seq and ts.
 *
 * From protocol 5 an agent sends it in front of each frame, uncompressed (see `frameMessage`). The hub then updates
 * the fleet as soon as the message is read. It inflates, parses, checks and stores the whole frame afterwards, once
 * the other agents' messages are read too. At 1000 agents reporting on the same second, decoding whole frames first
 * made the last hosts' fleet update wait ~300 ms behind the others (issue 3).
 *
 * The hub builds the same headline from whole frames of older agents, so both kinds of agent show the same figures.
 */
import * as z from 'zod';
import type { Frame } from './frame.ts';
import { rootDiskPercent } from './seed000.ts';

export const FrameHeadline = z.object({
  /** The frame's seq and ts: the hub checks them against the whole frame when it decodes it. */
  seq: z.number().int().nonnegative(),
  ts: z.number().int().nonnegative(),
  cpuPercent: z.number().nullable(),
  memoryPercent: z.number().nullable(),
  /** Null when the frame has no memory reading (the hub then shows the total from the host's identity). */
  memoryTotalBytes: z.number().nonnegative().nullable(),
  swapPercent: z.number().nullable(),
  /** The root filesystem's use, else the fullest one's. */
  diskPercent: z.number().nullable(),
  load1: z.number().nullable(),
  uptimeSeconds: z.number().nullable(),
  /** Summed over the interfaces that carry traffic off the host (not loopback, bridges or veth pairs). */
  networkRxBytesPerSecond: z.number().nullable(),
  networkTxBytesPerSecond: z.number().nullable(),
  /** Null when the frame has no GPU reading (the hub then counts the GPUs of the host's identity). */
  gpus: z.number().int().nonnegative().nullable(),
  vms: z.number().int().nonnegative(),
  containers: z.number().int().nonnegative(),
  processes: z.number().int().nonnegative().nullable(),
});
export type FrameHeadline = z.infer<typeof FrameHeadline>;

/** The longest headline a hub reads in front of a frame, in bytes: a real one is about 300. */
export const MAX_HEADLINE_BYTES = 2048;

/** Interfaces that carry no traffic to or from the host's network. */
const LOCAL_INTERFACE = /^(lo|docker\d*|veth.*|br-.*|virbr.*|cni.*|flannel.*|cali.*)$/;

/** The headline of a frame. */
export function headlineOf(frame: Frame): FrameHeadline {
  const s = frame.system;
  const external = s.network?.filter((n) => !LOCAL_INTERFACE.test(n.interface)) ?? [];
  const sum = (pick: (n: (typeof external)[number]) => number | null) =>
    s.network ? external.reduce((total, n) => total + (pick(n) ?? 0), 0) : null;
  return {
    seq: frame.seq,
    ts: frame.ts,
    cpuPercent: s.cpu?.total?.usagePercent ?? null,
    memoryPercent: s.memory?.usedPercent ?? null,
    memoryTotalBytes: s.memory?.totalBytes ?? null,
    swapPercent: s.swap?.usedPercent ?? null,
    diskPercent: s.filesystems ? rootDiskPercent(frame) : null,
    load1: s.load?.load1 ?? null,
    uptimeSeconds: s.uptime?.uptimeSeconds ?? null,
    networkRxBytesPerSecond: sum((n) => n.rxBytesPerSecond),
    networkTxBytesPerSecond: sum((n) => n.txBytesPerSecond),
    gpus: s.gpus?.length ?? null,
    vms: s.virtualization?.vms ?? 0,
    containers: s.virtualization?.containers ?? 0,
    processes: s.processes?.total ?? null,
  };
}

/** Separates a headline from the compressed frame after it; JSON text never holds a raw newline. */
const NEWLINE = 0x0a;
const utf8 = { encoder: new TextEncoder(), decoder: new TextDecoder() };

/**
 * Protocol 5's binary frame message: the headline's JSON text, a newline, then the frame's JSON text compressed as raw
 * DEFLATE (as in protocol 3). `compressed` may be given in pieces (the bench's simulator splices precompressed parts).
 */
export function frameMessage(headline: FrameHeadline | string, compressed: Uint8Array | Uint8Array[]): Uint8Array[] {
  const text = typeof headline === 'string' ? headline : JSON.stringify(headline);
  return [utf8.encoder.encode(`${text}\n`), ...(Array.isArray(compressed) ? compressed : [compressed])];
}

/**
 * Splits a protocol 5 binary frame message into its headline's JSON text and the compressed frame (a view of the same
 * bytes); null when no newline comes within MAX_HEADLINE_BYTES.
 */
export function splitFrameMessage<T extends Uint8Array>(data: T): { headline: string; compressed: T } | null {
  const end = data.subarray(0, MAX_HEADLINE_BYTES + 1).indexOf(NEWLINE);
  if (end < 0) return null;
  return { headline: utf8.decoder.decode(data.subarray(0, end)), compressed: data.subarray(end + 1) as T };
}
