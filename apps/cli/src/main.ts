import { isMainThread, workerData } from 'node:worker_threads';
import { VIGIL_VERSION } from '@vigil/schema';
import { Command, CommanderError } from 'commander';
import { UsageError } from './usage.ts';

// The hub starts its history thread on this same file (HistoryThread in apps/hub): it finds it here.
(globalThis as Record<symbol, unknown>)[Symbol.for('vigil.entry')] = import.meta.url;

if (!isMainThread && (workerData as { vigilRole?: string } | null)?.vigilRole === 'history') {
  (await import('@vigil/hub/history-worker')).runHistoryWorker();
} else await runCli();

async function runCli(): Promise<void> {
  const program = new Command('vigil')
    .description('Vigil: a real-time infrastructure monitor.')
    .version(VIGIL_VERSION)
    .showHelpAfterError()
    .exitOverride();

  /**
   * Each command's module, loaded only when it runs: a command's imports (the hub's web server, the reports, every
   * API schema) cost memory and start-up time, and `vigil snapshot --watch` or `vigil agent` should not carry them.
   * `vigil`, `vigil --help` and `vigil help` load them all to list them.
   */
  const COMMANDS: Record<string, () => Promise<Command>> = {
    serve: async () => (await import('./commands/serve.ts')).serveCommand(),
    agent: async () => (await import('./commands/agent.ts')).agentCommand(),
    snapshot: async () => (await import('./commands/snapshot.ts')).snapshotCommand(),
    user: async () => (await import('./commands/user.ts')).userCommand(),
    token: async () => (await import('./commands/token.ts')).tokenCommand(),
    export: async () => (await import('./commands/export.ts')).exportCommand(),
    alerts: async () => (await import('./commands/alerts.ts')).alertsCommand(),
    report: async () => (await import('./commands/report.ts')).reportCommand(),
    top: async () => (await import('./commands/top.ts')).topCommand(),
    login: async () => (await import('./commands/login.ts')).loginCommand(),
    logout: async () => (await import('./commands/login.ts')).logoutCommand(),
    status: async () => (await import('./commands/status.ts')).statusCommand(),
    monitor: async () => (await import('./commands/monitor.ts')).monitorCommand(),
  };

  const named = process.argv.slice(2).find((arg) => !arg.startsWith('-'));
  const wanted = named !== undefined && Object.hasOwn(COMMANDS, named) ? [named] : Object.keys(COMMANDS);
  try {
    for (const command of await Promise.all(wanted.map((name) => (COMMANDS[name] as () => Promise<Command>)()))) {
      program.addCommand(command);
    }
    await program.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) process.exit(error.exitCode);
    if (error instanceof UsageError) {
      console.error(`vigil: ${error.message}`);
      process.exit(2);
    }
    console.error(`vigil: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  }
}
