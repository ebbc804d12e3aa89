import * as z from 'zod';
import { FrameHeadline } from './frame-headline.ts';
import { HostIdentity } from './host.ts';

/** Who may do what: viewer reads; operator also controls processes and acknowledges alerts; admin also manages users, tokens, rules and settings. */
export const Role = z.enum(['viewer', 'operator', 'admin']);
export type Role = z.infer<typeof Role>;

export const UserName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._@-]+$/, 'may contain letters, digits and . _ @ - only');

export const Password = z.string().min(8, 'must be at least 8 characters').max(1024);

export const UserInfo = z.object({
  id: z.number().int(),
  name: z.string(),
  role: Role,
  createdAt: z.number(),
});
export type UserInfo = z.infer<typeof UserInfo>;

/** `GET /api/health`: liveness, for load balancers and `vigil status`. */
export const Health = z.object({
  status: z.literal('ok'),
  version: z.string(),
  uptimeSeconds: z.number(),
  monitoring: z.enum(['running', 'paused']),
  hosts: z.object({ online: z.number().int(), offline: z.number().int() }),
  timestamp: z.string(),
});
export type Health = z.infer<typeof Health>;

export const LoginRequest = z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(1024) });
export type LoginRequest = z.infer<typeof LoginRequest>;

export const LoginResponse = z.object({
  /** A session token, usable as `Authorization: Bearer` too; the same session is set as a cookie. */
  token: z.string(),
  user: z.object({ name: z.string(), role: Role }),
  expiresAt: z.number(),
});
export type LoginResponse = z.infer<typeof LoginResponse>;

export const UserCreate = z.object({ name: UserName, password: Password, role: Role.default('viewer') });
export type UserCreate = z.infer<typeof UserCreate>;

export const UserUpdate = z
  .object({ password: Password.optional(), role: Role.optional() })
  .refine((u) => u.password !== undefined || u.role !== undefined, {
    message: 'give a password or a role to change',
  });
export type UserUpdate = z.infer<typeof UserUpdate>;

export const TokenKind = z.enum(['agent', 'api']);
export type TokenKind = z.infer<typeof TokenKind>;

export const TokenCreate = z.object({
  kind: TokenKind,
  name: z.string().min(1).max(100),
  /** For API tokens: a role up to the creator's own (default: the creator's). */
  role: Role.optional(),
  /** Lifetime in days; no expiry when absent. */
  expiresInDays: z.number().positive().max(3650).optional(),
});
export type TokenCreate = z.infer<typeof TokenCreate>;

export const TokenCreated = z.object({
  id: z.string(),
  /** The secret, shown once: only its hash is stored. */
  token: z.string(),
  kind: TokenKind,
  name: z.string(),
  expiresAt: z.number().nullable(),
});
export type TokenCreated = z.infer<typeof TokenCreated>;

export const TokenInfo = z.object({
  id: z.string(),
  kind: TokenKind,
  name: z.string(),
  /** The first characters of the secret, to recognise it. */
  prefix: z.string(),
  user: z.string().nullable(),
  role: Role.nullable(),
  createdAt: z.number(),
  expiresAt: z.number().nullable(),
  revokedAt: z.number().nullable(),
  lastUsedAt: z.number().nullable(),
});
export type TokenInfo = z.infer<typeof TokenInfo>;

export const HostStatus = z.enum(['online', 'offline']);
export type HostStatus = z.infer<typeof HostStatus>;

/** One host in the fleet list: identity and the headline figures of its latest frame. */
export const HostSummary = z.object({
  id: z.string(),
  hostname: z.string(),
  status: HostStatus,
  tags: z.array(z.string()),
  firstSeen: z.number(),
  lastSeen: z.number(),
  os: z.string(),
  kernel: z.string(),
  cpuModel: z.string(),
  cpuCores: z.number().int(),
  memoryTotalBytes: z.number(),
  /** The latest frame's headline figures (frame-headline.ts), null before the host's first frame. */
  ...FrameHeadline.pick({
    cpuPercent: true,
    memoryPercent: true,
    swapPercent: true,
    diskPercent: true,
    load1: true,
    uptimeSeconds: true,
    networkRxBytesPerSecond: true,
    networkTxBytesPerSecond: true,
  }).shape,
  gpus: z.number().int(),
  vms: z.number().int(),
  containers: z.number().int(),
  processes: z.number().int().nullable(),
  /** Timestamp of the latest frame, Unix ms. */
  ts: z.number().nullable(),
  /** Firing alerts of the host, by severity (absent when none fire). */
  alerts: z.object({ warning: z.number().int(), critical: z.number().int() }).optional(),
});
export type HostSummary = z.infer<typeof HostSummary>;

export const HostDetail = HostSummary.extend({ identity: HostIdentity });
export type HostDetail = z.infer<typeof HostDetail>;

export const AuditEntry = z.object({
  id: z.number().int(),
  at: z.number(),
  actor: z.string(),
  actorRole: Role,
  hostId: z.string(),
  pid: z.number().int(),
  processName: z.string().nullable(),
  action: z.string(),
  signal: z.string(),
  ok: z.boolean(),
  result: z.string(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/** An API error (RFC 9457 problem details) with Vigil's stable code. */
export const Problem = z.looseObject({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string(),
});
export type Problem = z.infer<typeof Problem>;
