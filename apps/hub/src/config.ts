import { existsSync, readFileSync } from 'node:fs';
import { AgentCollection, AlertRuleInput, ArchiveConfig, NotificationChannelInput, seedArchiveEnv } from '@vigil/schema';
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';

/**
 * vigil.yaml: one file for the hub (and the agent it embeds). Unknown keys are errors, so a typo is caught at
 * start instead of silently ignored. Every key can also be set from the environment as VIGIL_<PATH> in upper
 * case with "_" between levels (e.g. VIGIL_SERVER_PORT=8080, VIGIL_AUTH_SESSION_TTL_HOURS=12).
 */
/** A yes/no setting: a YAML boolean, or "true"/"false"/"1"/"0"/"yes"/"no" from the environment. */
const flag = () => z.union([z.boolean(), z.stringbool()]);

export const HubConfig = z.strictObject({
  server: z
    .strictObject({
      host: z.string().default('0.0.0.0'),
      port: z.coerce.number().int().min(0).max(65535).default(7070),
      /** Public URL, for links printed at first start and agent enrollment; derived from host/port when unset. */
      publicUrl: z.url().optional(),
      /** Trust X-Forwarded-* from a reverse proxy in front of the hub. */
      trustProxy: flag().default(false),
      tls: z.strictObject({ cert: z.string(), key: z.string() }).optional(),
    })
    .prefault({}),
  data: z.strictObject({ dir: z.string().default('./data') }).prefault({}),
  agent: z
    .strictObject({
      /** Collection interval agents are asked to use. */
      intervalSeconds: z.coerce.number().min(1).max(60).default(1),
      /** Run an agent for this host inside the hub. */
      local: flag().default(true),
      /** Missed intervals before a host is offline. */
      offlineAfterIntervals: z.coerce.number().int().min(2).default(3),
      /** Largest message an agent may send. */
      maxMessageBytes: z.coerce
        .number()
        .int()
        .min(64 * 1024)
        .default(8 * 1024 * 1024),
      /** Custom metric plugins of the local agent. */
      plugins: AgentCollection.shape.plugins,
      /** A folder of *.prom files the local agent reads (Prometheus text format). */
      textfileDir: AgentCollection.shape.textfileDir,
    })
    .prefault({}),
  auth: z
    .strictObject({
      sessionTtlHours: z.coerce
        .number()
        .positive()
        .default(24 * 7),
      loginAttemptsPerMinute: z.coerce.number().int().positive().default(10),
      apiRequestsPerMinute: z.coerce.number().int().positive().default(1200),
    })
    .prefault({}),
  history: z
    .strictObject({
      /** How long each tier is kept: per-second samples, per-minute and per-hour aggregates. */
      rawDays: z.coerce.number().positive().default(7),
      minuteDays: z.coerce.number().positive().default(90),
      hourDays: z.coerce.number().positive().default(730),
      /** The history database may grow to this size; beyond it, the oldest samples go first. */
      maxSizeGb: z.coerce.number().positive().default(20),
    })
    .prefault({}),
  alerts: z
    .strictObject({
      /** Rules and channels kept in this file (read-only through the API). */
      rules: z.array(AlertRuleInput).default([]),
      channels: z.array(NotificationChannelInput).default([]),
      /** The first alert of a quiet channel waits this long for others to join it. */
      groupWaitSeconds: z.coerce.number().min(0).max(3600).default(10),
      /** At most one notification per channel in this window (alerts are grouped). */
      groupIntervalMinutes: z.coerce.number().min(0).max(1440).default(5),
      /** Firing alerts nobody acknowledged are told again this often. */
      repeatIntervalHours: z.coerce.number().min(0.01).max(720).default(4),
      /** Create the default rules (CPU, memory, disk, host offline, zombies) and a log channel on first start. */
      defaults: flag().default(true),
    })
    .prefault({}),
  prometheus: z
    .strictObject({
      /** Serve /metrics in the Prometheus text format. */
      enabled: flag().default(true),
      /** Let anyone scrape /metrics; by default it takes a viewer's bearer token (`authorization` in the scrape config). */
      public: flag().default(false),
    })
    .prefault({}),
  /** Every host's frames to S3 in seed 003's layout (docs/s3-archive.md); seed 003's S3_BUCKET_NAME etc. too, see loadConfig. */
  archive: ArchiveConfig.prefault({}),
  log: z.strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') }).prefault({}),
});
export type HubConfig = z.infer<typeof HubConfig>;

/** Where an installed hub keeps its configuration (deploy/README.md). */
export const INSTALLED_CONFIG = '/etc/vigil/vigil.yaml';

/** The file to read: --config, else $VIGIL_CONFIG, else /etc/vigil/vigil.yaml when it exists (an installed hub), else none. */
export function configFile(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  exists: (path: string) => boolean = existsSync,
): string | undefined {
  return flag || env.VIGIL_CONFIG || (exists(INSTALLED_CONFIG) ? INSTALLED_CONFIG : undefined);
}

/** A configuration problem, naming the key. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Sets `value` at a dotted path inside a plain object. */
function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path.at(-1) as string] = value;
}

/** The config keys as paths, for matching environment names against them. */
function keyPaths(schema: z.ZodType, prefix: string[] = []): string[][] {
  const inner =
    schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault || schema instanceof z.ZodOptional
      ? (schema.def.innerType as unknown as z.ZodType)
      : schema;
  if (inner instanceof z.ZodObject) {
    return Object.entries(inner.shape as Record<string, z.ZodType>).flatMap(([key, child]) => keyPaths(child, [...prefix, key]));
  }
  return [prefix];
}

/**
 * Environment overrides: VIGIL_SERVER_PORT → server.port. A VIGIL_ name that matches no key is an error
 * (except the few that are not config keys, listed in `ignored`).
 */
export function configFromEnv(
  env: NodeJS.ProcessEnv,
  ignored = new Set(['VIGIL_CONFIG', 'VIGIL_ADMIN_PASSWORD', 'VIGIL_HUB', 'VIGIL_TOKEN']),
): Record<string, unknown> {
  const byName = new Map(
    keyPaths(HubConfig).map((path) => [`VIGIL_${path.map((p) => p.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()).join('_')}`, path]),
  );
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('VIGIL_') || ignored.has(name) || value === undefined) continue;
    const path = byName.get(name);
    if (!path) throw new ConfigError(`unknown setting ${name} in the environment (known: ${[...byName.keys()].join(', ')})`);
    setPath(out, path, value);
  }
  return out;
}

/** Merges objects deeply: later ones win. */
function merge(...layers: Record<string, unknown>[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      const current = out[key];
      out[key] =
        value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object'
          ? merge(current as Record<string, unknown>, value as Record<string, unknown>)
          : value;
    }
  }
  return out;
}

/** Validates a configuration object, turning the first problem into a message that names its key. */
export function parseConfig(raw: unknown, source = 'configuration'): HubConfig {
  const result = HubConfig.safeParse(raw ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue?.code === 'unrecognized_keys') {
    const where = issue.path.length ? `${issue.path.join('.')}.` : '';
    throw new ConfigError(`${source}: unknown key ${issue.keys.map((k) => `"${where}${k}"`).join(', ')}`);
  }
  throw new ConfigError(`${source}: ${issue?.path.join('.') || '(top level)'}: ${issue?.message}`);
}

/**
 * The hub's configuration: defaults, then the YAML file (if any), then VIGIL_* environment variables, then
 * command-line overrides.
 */
export function loadConfig(options: { file?: string; env?: NodeJS.ProcessEnv; overrides?: Record<string, unknown> } = {}): HubConfig {
  let fromFile: Record<string, unknown> = {};
  if (options.file) {
    let text: string;
    try {
      text = readFileSync(options.file, 'utf8');
    } catch (error) {
      throw new ConfigError(`cannot read the configuration file ${options.file}: ${(error as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = parseYaml(text);
    } catch (error) {
      throw new ConfigError(`${options.file} is not valid YAML: ${(error as Error).message}`);
    }
    if (parsed !== null && parsed !== undefined && (typeof parsed !== 'object' || Array.isArray(parsed))) {
      throw new ConfigError(`${options.file}: expected a mapping of settings at the top level`);
    }
    fromFile = (parsed ?? {}) as Record<string, unknown>;
    parseConfig(fromFile, options.file); // name the file when the file itself is wrong
  }
  const fromEnv = configFromEnv(options.env ?? {});
  // Seed 003's S3_BUCKET_NAME, UPLOAD_FREQUENCY_SECONDS and HOSTNAME_OVERRIDE: over the file, under VIGIL_ARCHIVE_S3_*.
  const fromSeedEnv = seedArchiveEnv(options.env ?? {}, fromFile, fromEnv, options.overrides);
  return parseConfig(merge(fromFile, fromSeedEnv, fromEnv, options.overrides ?? {}), options.file ?? 'configuration');
}
