import { Role } from '@vigil/schema';
import { Command } from 'commander';
import * as z from 'zod';
import { hubJson, resolveHub } from '../hub-client.ts';
import { SORT_KEYS } from '../top/processes.ts';
import type { TopSource } from '../top/source.ts';
import { parseOptions, UsageError } from '../usage.ts';

const TopOptions = z.object({
  hub: z.string().min(1).optional(),
  token: z.string().min(1).optional(),
  host: z.string().min(1).optional(),
  local: z.boolean().default(false),
  interval: z.coerce
    .number({ message: 'must be a number of seconds' })
    .positive('must be a positive number of seconds')
    .max(60, 'must be at most 60 seconds')
    .default(1),
  sort: z.enum(SORT_KEYS, { message: `must be one of ${SORT_KEYS.join(', ')}` }).default('cpu'),
  vimKeys: z.boolean().default(false),
  color: z.boolean().default(true),
});
type TopOptions = z.infer<typeof TopOptions>;

const Me = z.object({ name: z.string(), role: Role, via: z.enum(['session', 'api']).optional() });

/** Colours unless NO_COLOR is set to something (https://no-color.org) or --no-color is given. */
export function colorWanted(flag: boolean, env: NodeJS.ProcessEnv): boolean {
  return flag && !env.NO_COLOR;
}

async function localSource(options: TopOptions): Promise<TopSource> {
  const { Collection, readIdentity, toFrame } = await import('@vigil/agent/collect');
  const { LocalSource } = await import('../top/local-source.ts');
  const collection = new Collection({ intervalMs: options.interval * 1000 });
  const identity = readIdentity(collection.proc, collection.sys, collection.roots);
  let seq = 0;
  const source = new LocalSource({
    hostLabel: identity.hostname,
    intervalMs: options.interval * 1000,
    read: async () => toFrame(await collection.collect({ allProcesses: true, connections: false, followPids: new Set() }), seq++),
  });
  const stop = source.stop.bind(source);
  source.stop = async () => {
    await stop();
    collection.close();
  };
  return source;
}

async function remoteSource(options: TopOptions): Promise<TopSource> {
  const { hub, token } = resolveHub({ hub: options.hub, token: options.token });
  // The role decides whether the action keys are offered; an unreachable hub or a refused token ends here, with its reason.
  const me = await hubJson(hub, token, '/api/v1/auth/me', Me);
  const canAct = me.role !== 'viewer';
  const { RemoteSource } = await import('../top/remote-source.ts');
  return new RemoteSource({
    hub,
    token,
    host: options.host,
    canAct,
    readOnlyReason: `read-only: ${me.via === 'api' ? 'this token has' : `${me.name} has`} the viewer role (signals need operator or admin)`,
  });
}

/** `vigil top`: the full-screen terminal dashboard, of this host or of a hub's fleet. */
export function topCommand(): Command {
  return new Command('top')
    .description('Full-screen terminal dashboard: CPU, cores, memory, disks, network, GPUs and processes, with the keys of htop.')
    .option('--hub <url>', "show a hub's fleet instead of this host (default: $VIGIL_HUB; this host when unset)")
    .option('--token <token>', 'API token for the hub (default: $VIGIL_TOKEN or `vigil login`)')
    .option('--host <id>', 'with --hub: the host to show first (its id or hostname)')
    .option('--local', 'read this host even when $VIGIL_HUB is set')
    .option('--interval <seconds>', 'seconds between readings in local mode', '1')
    .option('--sort <key>', `initial order: ${SORT_KEYS.join(', ')}`, 'cpu')
    .option('--vim-keys', "j/k move the selection (K kills instead of k), as btop's vim_keys")
    .option('--no-color', 'no colours (as NO_COLOR=1)')
    .addHelpText(
      'after',
      [
        '',
        'Keys (htop and btop habits):',
        '  ↑ ↓ j PgUp PgDn Home End  move        P c / M m / T / N p / n  sort by CPU%, MEM%, TIME+, PID, Command',
        '  < > ← →  other columns    I  invert   / \\  filter (Enter keeps, Esc clears)',
        '  s r t k  suspend, resume, terminate, kill the selected process (y confirms; operator or admin in remote mode)',
        '  H  choose the host (remote)   K kernel threads   F follow   Z pause   h ?  help   q Ctrl-C  quit',
      ].join('\n'),
    )
    .action(async (raw: Record<string, unknown>) => {
      const options = parseOptions(TopOptions, raw);
      if (!process.stdout.isTTY || !process.stdin.isTTY) {
        throw new UsageError('top needs a terminal: it draws a full-screen dashboard (for a reading as JSON, use `vigil snapshot`)');
      }
      const remote = !options.local && Boolean(options.hub ?? process.env.VIGIL_HUB);
      const source = remote ? await remoteSource(options) : await localSource(options);
      // React's production build: the development one checks every render and costs several times the CPU.
      process.env.NODE_ENV ??= 'production';
      const { runTop } = await import('../top/run.tsx');
      await runTop({ source, color: colorWanted(options.color, process.env), vimKeys: options.vimKeys, sort: options.sort });
    });
}
