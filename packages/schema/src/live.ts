import * as z from 'zod';
import { HostStatus, HostSummary } from './api.ts';
import { Frame } from './frame.ts';

/**
 * The live WebSocket of the web app and CLI (`/api/v1/live`). A client subscribes to the fleet summary or to
 * one host; the hub sends at most one update per host per interval, and to a slow client only the latest
 * state (it skips what the client could not take, never queues without bound).
 */
export const LiveSubscribe = z.discriminatedUnion('channel', [
  z.object({ type: z.literal('subscribe'), channel: z.literal('fleet') }),
  z.object({
    type: z.literal('subscribe'),
    channel: z.literal('host'),
    hostId: z.string().min(1),
    /** Ask the agent for every process instead of the top consumers. */
    processes: z.boolean().default(false),
    /** Ask the agent for its socket table. */
    connections: z.boolean().default(false),
  }),
]);
export type LiveSubscribe = z.infer<typeof LiveSubscribe>;

export const LiveUnsubscribe = z.object({
  type: z.literal('unsubscribe'),
  channel: z.enum(['fleet', 'host']),
  hostId: z.string().optional(),
});
export type LiveUnsubscribe = z.infer<typeof LiveUnsubscribe>;

export const LiveClientMessage = z.union([LiveSubscribe, LiveUnsubscribe]);
export type LiveClientMessage = z.infer<typeof LiveClientMessage>;

/** Summaries of the hosts that changed (all of them when `full`). */
export const LiveFleet = z.object({
  type: z.literal('fleet'),
  full: z.boolean(),
  hosts: z.array(HostSummary),
  removed: z.array(z.string()).default([]),
});
export type LiveFleet = z.infer<typeof LiveFleet>;

/** The latest frame of a subscribed host. */
export const LiveHost = z.object({ type: z.literal('host'), hostId: z.string(), summary: HostSummary, frame: Frame });
export type LiveHost = z.infer<typeof LiveHost>;

export const LiveStatus = z.object({ type: z.literal('status'), hostId: z.string(), status: HostStatus });
export type LiveStatus = z.infer<typeof LiveStatus>;

export const LiveError = z.object({ type: z.literal('error'), message: z.string() });
export type LiveError = z.infer<typeof LiveError>;

export const LiveServerMessage = z.discriminatedUnion('type', [LiveFleet, LiveHost, LiveStatus, LiveError]);
export type LiveServerMessage = z.infer<typeof LiveServerMessage>;
