import * as z from 'zod';

/** What an agent says about its host when it connects (and `vigil snapshot` prints first). */
export const HostIdentity = z.object({
  /** The hostname, or the override given to the agent (`--hostname`, HOSTNAME_OVERRIDE). */
  hostname: z.string().min(1),
  /** /etc/machine-id; null on systems without one. */
  machineId: z.string().nullable(),
  os: z.object({
    id: z.string(),
    name: z.string(),
    version: z.string().nullable(),
    prettyName: z.string(),
  }),
  kernel: z.string(),
  arch: z.string(),
  cpuModel: z.string(),
  /** Logical CPUs present, online or not. */
  cpuCores: z.number().int().positive(),
  cpuPhysicalCores: z.number().int().positive().nullable(),
  memoryTotalBytes: z.number().nonnegative(),
  gpus: z.array(z.object({ index: z.number().int(), name: z.string(), uuid: z.string().nullable() })),
  /** Unix milliseconds. */
  bootTime: z.number().nonnegative(),
  agentVersion: z.string(),
  /** Optional features this agent has, e.g. "processes", "connections", "gpu", "control". */
  capabilities: z.array(z.string()),
});
export type HostIdentity = z.infer<typeof HostIdentity>;
