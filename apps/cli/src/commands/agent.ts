import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { AgentCollection } from '@vigil/schema';
import { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import { agentArchive } from '../archive-options.ts';
import { tuneV8ForCollecting } from '../lean-heap.ts';
import { consoleLogger } from '../log.ts';
import { parseOptions, UsageError } from '../usage.ts';

/** An agent's own file (--config): the same settings as the flags, plus custom metric plugins. */
const AgentFile = z.strictObject({
  hub: z.string().optional(),
  token: z.string().optional(),
  hostname: z.string().optional(),
  spool: z.string().optional(),
  interval: z.number().optional(),
  plugins: AgentCollection.shape.plugins,
  textfileDir: AgentCollection.shape.textfileDir,
  /** S3 archive in seed 003's layout (checked by agentArchive, under the seed's environment names). */
  archive: z.record(z.string(), z.unknown()).optional(),
});

const AgentOptions = z.object({
  hub: z.string({ message: 'is required (or set VIGIL_HUB)' }).min(1, 'is required (or set VIGIL_HUB)'),
  token: z.string({ message: 'is required (or set VIGIL_TOKEN)' }).min(1, 'is required (or set VIGIL_TOKEN)'),
  hostname: z.string().min(1).max(253).optional(),
  spool: z.string().min(1).optional(),
  spoolMaxMb: z.coerce.number().positive().default(256),
  spoolMaxHours: z.coerce.number().positive().default(24),
  interval: z.coerce.number({ message: 'must be a number of seconds' }).min(1, 'must be at least 1 second').max(60).default(1),
});

/** Where an agent spools by default: /var/lib/vigil-agent for root (the system service), else the user's state folder. */
export function defaultSpoolDir(): string {
  if (process.getuid?.() === 0) return '/var/lib/vigil-agent/spool';
  return join(process.env.XDG_STATE_HOME || join(homedir(), '.local/state'), 'vigil/spool');
}

function readAgentFile(path: string): z.infer<typeof AgentFile> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--config: cannot read ${path}: ${(error as Error).message}`);
  }
  const result = AgentFile.safeParse(parseYaml(text) ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue?.code === 'unrecognized_keys')
    throw new UsageError(`${path}: unknown key ${issue.keys.map((k) => `"${[...issue.path, k].join('.')}"`).join(', ')}`);
  throw new UsageError(`${path}: ${issue?.path.join('.') || '(top level)'}: ${issue?.message}`);
}

/** `vigil agent`: monitors this host and streams to a hub. */
export function agentCommand(): Command {
  return new Command('agent')
    .description('Monitor this host and stream its readings to a hub.')
    .option('--hub <url>', 'the hub, e.g. http://hub.example:7070 (or $VIGIL_HUB)', process.env.VIGIL_HUB)
    .option('--token <token>', 'an agent token from the hub (or $VIGIL_TOKEN)', process.env.VIGIL_TOKEN)
    .option('--hostname <name>', 'report this name instead of the system host name (or $HOSTNAME_OVERRIDE)', process.env.HOSTNAME_OVERRIDE)
    .option('--spool <dir>', `folder for frames while the hub is unreachable ("none" to keep them in memory); default ${defaultSpoolDir()}`)
    .option('--spool-max-mb <mb>', 'spool size limit in MiB', '256')
    .option('--spool-max-hours <hours>', 'spool age limit in hours', '24')
    .option('--interval <seconds>', 'seconds between readings until the hub says otherwise')
    .option('--s3-bucket <name>', "also archive this host to S3 in seed 003's layout (or $S3_BUCKET_NAME; see docs/s3-archive.md)")
    .option('--config <file>', 'a YAML file with these settings and custom metric plugins (see the README)')
    .action(async (raw: Record<string, unknown>) => {
      tuneV8ForCollecting();
      const file = raw.config ? readAgentFile(String(raw.config)) : AgentFile.parse({});
      const merged = Object.fromEntries(
        Object.entries({
          hub: file.hub,
          token: file.token,
          hostname: file.hostname,
          spool: file.spool,
          interval: file.interval,
          ...raw,
        }).filter(([, v]) => v !== undefined),
      );
      const options = parseOptions(AgentOptions, merged);
      const { Agent, agentEndpoint } = await import('@vigil/agent');
      try {
        agentEndpoint(options.hub);
      } catch (error) {
        throw new UsageError(`--hub: ${(error as Error).message}`);
      }
      const log = consoleLogger('agent');
      const archive = agentArchive(file.archive, raw.s3Bucket, process.env, raw.config ? String(raw.config) : undefined);
      const agent = new Agent({
        hub: options.hub,
        token: options.token,
        hostname: options.hostname,
        spoolDir: options.spool === 'none' ? null : (options.spool ?? defaultSpoolDir()),
        spoolLimits: { maxBytes: options.spoolMaxMb * 1024 * 1024, maxAgeMs: options.spoolMaxHours * 3600 * 1000 },
        intervalMs: options.interval * 1000,
        log,
        custom: { plugins: file.plugins, textfileDir: file.textfileDir },
        archive,
      });
      await agent.start();
      log.info(`monitoring ${options.hostname ?? 'this host'} for ${options.hub}`);
      await new Promise<void>((resolve) => process.once('SIGINT', resolve).once('SIGTERM', resolve));
      log.info('stopping: unacknowledged frames stay in the spool');
      await agent.stop();
    });
}
