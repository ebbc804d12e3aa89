import * as z from 'zod';
import { CustomMetricName } from './frame.ts';

/** A custom metric plugin: a command printing a number, or `name value` lines (Prometheus text format). */
export const PluginConfig = z.strictObject({
  name: CustomMetricName,
  command: z.string().min(1),
  /** Seconds between runs. */
  interval: z.coerce.number().min(1).max(86_400).default(10),
  /** Seconds a run may take before it is killed. */
  timeout: z.coerce.number().min(0.1).max(3600).default(5),
});
export type PluginConfig = z.infer<typeof PluginConfig>;

/** What an agent collects beyond the built-in readings (the `agent:` settings of vigil.yaml and of an agent's own file). */
export const AgentCollection = z.strictObject({
  plugins: z.array(PluginConfig).default([]),
  /** A folder of *.prom files in the Prometheus text format (node_exporter's textfile collector convention). */
  textfileDir: z.string().min(1).optional(),
});
export type AgentCollection = z.infer<typeof AgentCollection>;
