import * as z from 'zod';
import { Frame } from './frame.ts';
import { HostIdentity } from './host.ts';
import { ProcessInfo, ProcessState } from './process.ts';

/**
 * The agent-hub protocol over one WebSocket (`GET /api/v1/agent/connect`, `Authorization: Bearer <agent
 * token>`). Every message is a JSON object with `v` (protocol version) and `type`. The format only grows.
 *
 * agent → hub: hello, then frames (since protocol 4 with their processes split into static fields, sent once per
 * connection, and values: DeltaFrame in frame-delta.ts; the hub accepts the rows of protocols 2 and 3, PackedFrame in
 * frame.ts, and protocol 1's objects too); results of commands. Frames go as binary messages of compressed JSON,
 * since protocol 5 after the frame's headline (frame-headline.ts); everything else as JSON text.
 * hub → agent: welcome (answer to hello), ack (cumulative: every seq ≤ this one is stored), subscribe and
 * unsubscribe (which optional tables to send), command (signal a process).
 */

/** Signals the hub may ask an agent to send, by the actions of seed 002. */
export const ProcessAction = z.enum(['terminate', 'kill', 'suspend', 'resume']);
export type ProcessAction = z.infer<typeof ProcessAction>;

export const SIGNAL_OF_ACTION: Record<ProcessAction, 'SIGTERM' | 'SIGKILL' | 'SIGSTOP' | 'SIGCONT'> = {
  terminate: 'SIGTERM',
  kill: 'SIGKILL',
  suspend: 'SIGSTOP',
  resume: 'SIGCONT',
};

export const Signal = z.enum(['SIGTERM', 'SIGKILL', 'SIGSTOP', 'SIGCONT', 'SIGINT', 'SIGHUP']);
export type Signal = z.infer<typeof Signal>;

export const Hello = z.object({
  v: z.number().int().positive(),
  type: z.literal('hello'),
  host: HostIdentity,
  /**
   * Identifies one numbering of frames: kept with the agent's spool across restarts, new when an agent
   * starts without one. Sequence numbers are comparable only within a run.
   */
  runId: z.string().min(1).max(64),
  /** The sequence number the agent's next new frame will carry (spooled frames come before it). */
  nextSeq: z.number().int().nonnegative(),
  /** Collection interval the agent runs at. */
  intervalMs: z.number().int().positive(),
});
export type Hello = z.infer<typeof Hello>;

/** What an agent may subscribe to beyond its default frame. */
export const Channel = z.enum(['processes', 'connections']);
export type Channel = z.infer<typeof Channel>;

export const Subscribe = z.object({
  v: z.number().int().positive(),
  type: z.literal('subscribe'),
  channels: z.array(Channel),
  /** PIDs to include in every frame whatever their rank. */
  followPids: z.array(z.number().int().positive()).default([]),
  /** Process names (exact, or /regex/) to include in every frame: process alert rules watch them. */
  followNames: z.array(z.string().min(1).max(200)).max(200).default([]),
});
export type Subscribe = z.infer<typeof Subscribe>;

/** Pauses or resumes collection on the agent (seed 001's POST /api/monitoring/stop and start). */
export const CollectionControl = z.object({
  v: z.number().int().positive(),
  type: z.literal('collection'),
  paused: z.boolean(),
});
export type CollectionControl = z.infer<typeof CollectionControl>;

export const Unsubscribe = z.object({
  v: z.number().int().positive(),
  type: z.literal('unsubscribe'),
  channels: z.array(Channel),
});
export type Unsubscribe = z.infer<typeof Unsubscribe>;

export const Welcome = z.object({
  v: z.number().int().positive(),
  type: z.literal('welcome'),
  hostId: z.string(),
  /** The interval the hub wants; the agent adopts it. */
  intervalMs: z.number().int().positive(),
  /** The highest sequence number the hub has stored for this agent's run (see Hello.runId), null if none. */
  lastAckedSeq: z.number().int().nonnegative().nullable(),
  serverTime: z.number().int(),
});
export type Welcome = z.infer<typeof Welcome>;

export const Ack = z.object({
  v: z.number().int().positive(),
  type: z.literal('ack'),
  seq: z.number().int().nonnegative(),
});
export type Ack = z.infer<typeof Ack>;

export const SignalCommand = z.object({
  v: z.number().int().positive(),
  type: z.literal('command'),
  id: z.string().min(1),
  kind: z.literal('signal'),
  pid: z.number().int().positive(),
  signal: Signal,
  /** The process's start time (Unix ms) as the hub saw it: a PID reused since then is refused. */
  startTime: z.number().nonnegative().optional(),
});
export type SignalCommand = z.infer<typeof SignalCommand>;

/** Asks for the details of one process (threads, open files, children). */
export const InspectCommand = z.object({
  v: z.number().int().positive(),
  type: z.literal('command'),
  id: z.string().min(1),
  kind: z.literal('inspect'),
  pid: z.number().int().positive(),
});
export type InspectCommand = z.infer<typeof InspectCommand>;

export const Command = z.discriminatedUnion('kind', [SignalCommand, InspectCommand]);
export type Command = z.infer<typeof Command>;

/** One thread of a process, from /proc/[pid]/task/[tid]/stat. */
export const ThreadInfo = z.object({
  tid: z.number().int().positive(),
  name: z.string(),
  state: ProcessState,
  cpuSecondsTotal: z.number().nonnegative(),
});
export type ThreadInfo = z.infer<typeof ThreadInfo>;

/** What `inspect` answers: the process with what the frame leaves out. */
export const ProcessDetail = z.object({
  process: ProcessInfo,
  /** Open file descriptors; null when not permitted. */
  openFiles: z.number().int().nonnegative().nullable(),
  threads: z.array(ThreadInfo),
  children: z.array(z.number().int().positive()),
  /** Bytes read and written since start (storage I/O); null when not permitted. */
  ioReadBytesTotal: z.number().nonnegative().nullable(),
  ioWriteBytesTotal: z.number().nonnegative().nullable(),
  executable: z.string().nullable(),
  cwd: z.string().nullable(),
});
export type ProcessDetail = z.infer<typeof ProcessDetail>;

/** Stable reasons an agent refuses or fails a command. */
export const CommandErrorCode = z.enum(['not_found', 'protected', 'permission_denied', 'failed']);
export type CommandErrorCode = z.infer<typeof CommandErrorCode>;

export const CommandResult = z.object({
  v: z.number().int().positive(),
  type: z.literal('result'),
  id: z.string().min(1),
  ok: z.boolean(),
  /** The process name, when the agent could read it. */
  name: z.string().optional(),
  code: CommandErrorCode.optional(),
  error: z.string().optional(),
  /** The answer to an inspect command. */
  detail: ProcessDetail.optional(),
});
export type CommandResult = z.infer<typeof CommandResult>;

/** Any message an agent sends. */
export const AgentMessage = z.discriminatedUnion('type', [Hello, Frame, CommandResult]);
export type AgentMessage = z.infer<typeof AgentMessage>;

/** Any message a hub sends to an agent. */
export const HubMessage = z.discriminatedUnion('type', [Welcome, Ack, Subscribe, Unsubscribe, CollectionControl, Command]);
export type HubMessage = z.infer<typeof HubMessage>;

/** WebSocket close codes of the protocol (4000-4999 are for applications, RFC 6455 7.4.2). */
export const CloseCode = {
  /** 1008 (policy violation) for a missing or bad token. */
  unauthorized: 1008,
  /** 1009 for a message over the size limit. */
  tooBig: 1009,
  /** A message that is not JSON or does not match the schema. */
  badMessage: 4000,
  /** A protocol version this hub does not speak. */
  badVersion: 4001,
  /** A frame before hello, or hello twice. */
  outOfOrder: 4002,
  /** The same agent connected again; this older connection is replaced. */
  replaced: 4003,
  /** The token was revoked while connected. */
  revoked: 4004,
} as const;
