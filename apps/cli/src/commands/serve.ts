import { Command } from 'commander';
import * as z from 'zod';
import { consoleLogger } from '../log.ts';
import { parseOptions, UsageError } from '../usage.ts';

const ServeOptions = z.object({
  port: z.coerce.number({ message: 'must be a port number' }).int().min(0).max(65535).optional(),
  host: z.string().min(1).optional(),
  data: z.string().min(1).optional(),
  config: z.string().min(1).optional(),
  localAgent: z.boolean().default(true),
});

/** `vigil serve`: the hub, with an agent for this host inside it. */
export function serveCommand(): Command {
  return new Command('serve')
    .description('Run the hub (API, live updates, process control) with an agent for this host built in.')
    .option('--port <port>', 'port to listen on (default 7070)')
    .option('--host <address>', 'address to listen on (default 0.0.0.0)')
    .option('--data <dir>', 'data folder (default ./data)')
    .option('--config <file>', 'vigil.yaml (default: $VIGIL_CONFIG, else /etc/vigil/vigil.yaml if it exists)')
    .option('--no-local-agent', 'do not monitor this host from the hub process')
    .action(async (raw: Record<string, unknown>) => {
      const options = parseOptions(ServeOptions, raw);
      const { ConfigError, configFile, Hub, loadConfig } = await import('@vigil/hub');
      const { Agent } = await import('@vigil/agent');
      let config: ReturnType<typeof loadConfig>;
      try {
        config = loadConfig({
          file: configFile(options.config),
          env: process.env,
          overrides: {
            ...(options.port !== undefined || options.host
              ? {
                  server: {
                    ...(options.port !== undefined ? { port: options.port } : {}),
                    ...(options.host ? { host: options.host } : {}),
                  },
                }
              : {}),
            ...(options.data ? { data: { dir: options.data } } : {}),
            ...(options.localAgent ? {} : { agent: { local: false } }),
          },
        });
      } catch (error) {
        if (error instanceof ConfigError) throw new UsageError(error.message);
        throw error;
      }
      let hub: Awaited<ReturnType<typeof Hub.start>>;
      try {
        hub = await Hub.start({ config, adminPassword: process.env.VIGIL_ADMIN_PASSWORD || undefined });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE')
          throw new UsageError(`port ${config.server.port} is in use: is Vigil already running? (choose another with --port)`);
        if (code === 'EACCES') throw new UsageError(`not allowed to listen on ${config.server.host}:${config.server.port}`);
        throw error;
      }
      let agent: InstanceType<typeof Agent> | null = null;
      if (config.agent.local) {
        agent = new Agent({
          hub: hub.url,
          token: hub.auth.localAgentToken(),
          spoolDir: null,
          intervalMs: config.agent.intervalSeconds * 1000,
          log: consoleLogger('local-agent'),
          custom: { plugins: config.agent.plugins, textfileDir: config.agent.textfileDir },
          onConnected: (hostId) => {
            hub.localHostId = hostId;
          },
        });
        await agent.start();
      }
      const first = hub.firstStart;
      const banner = [`Vigil is running at ${hub.publicUrl}`];
      if (first) {
        banner.push('', 'First start: created the user "admin".');
        if (first.password)
          banner.push(`  password:   ${first.password}   (shown once; change it in Settings or with \`vigil user passwd admin\`)`);
        banner.push(`  login link: ${first.loginLink}   (works once, for 24 hours)`);
      }
      process.stderr.write(`\n${banner.join('\n')}\n\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop).once('SIGTERM', stop);
      });
      process.stderr.write('vigil: stopping\n');
      await agent?.stop();
      await hub.stop();
    });
}
