import * as z from 'zod';
import { HostIdentity } from './host.ts';
import { Connection } from './network.ts';
import { ProcessInfo } from './process.ts';
import { SystemReading } from './system.ts';

/** How one collector fared in a cycle. `error` is null when it worked or simply had no data. */
export const CollectorStatus = z.object({
  durationMs: z.number().nonnegative(),
  error: z.string().nullable(),
});
export type CollectorStatus = z.infer<typeof CollectorStatus>;

/** Names a custom metric may have: Prometheus's rule. */
export const CustomMetricName = z
  .string()
  .regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'must match [a-zA-Z_:][a-zA-Z0-9_:]* (Prometheus metric names)')
  .max(200);

/** A sample of a custom metric (a plugin's output, a textfile line, or the custom metrics API). */
export const CustomMetricSample = z.object({
  name: CustomMetricName,
  value: z.number(),
  labels: z
    .record(
      z
        .string()
        .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'label names must match [a-zA-Z_][a-zA-Z0-9_]*')
        .max(100),
      z.string().max(500),
    )
    .optional(),
});
export type CustomMetricSample = z.infer<typeof CustomMetricSample>;

/** One collection cycle of one host. */
export const Frame = z.object({
  v: z.number().int().positive(),
  type: z.literal('frame'),
  /** Per-agent sequence number, increasing by one per frame; the hub acknowledges by it. */
  seq: z.number().int().nonnegative(),
  /** Unix milliseconds at which the cycle started (aligned to the wall-clock second by the agent). */
  ts: z.number().int().nonnegative(),
  /** Wall time the whole collection took. */
  durationMs: z.number().nonnegative(),
  system: SystemReading,
  /** The processes that matter (top by CPU ∪ top by memory ∪ followed), or all of them when `processesComplete`. */
  processes: z.array(ProcessInfo),
  processesComplete: z.boolean(),
  /** The socket table, present only while a viewer asked for it. */
  connections: z.array(Connection).optional(),
  /** Custom metrics of the agent's plugins and textfile folder, taken this cycle. */
  custom: z.array(CustomMetricSample).optional(),
  collectors: z.record(z.string(), CollectorStatus),
});
export type Frame = z.infer<typeof Frame>;

/** What `vigil snapshot` prints: the host and one complete frame. */
export const HostSnapshot = z.object({
  host: HostIdentity,
  frame: Frame,
});
export type HostSnapshot = z.infer<typeof HostSnapshot>;
