import { VIGIL_VERSION } from '@vigil/schema';
import { Command, CommanderError } from 'commander';
import { agentCommand } from './commands/agent.ts';
import { alertsCommand } from './commands/alerts.ts';
import { exportCommand } from './commands/export.ts';
import { loginCommand, logoutCommand } from './commands/login.ts';
import { monitorCommand } from './commands/monitor.ts';
import { reportCommand } from './commands/report.ts';
import { serveCommand } from './commands/serve.ts';
import { snapshotCommand } from './commands/snapshot.ts';
import { statusCommand } from './commands/status.ts';
import { tokenCommand } from './commands/token.ts';
import { topCommand } from './commands/top.ts';
import { userCommand } from './commands/user.ts';
import { UsageError } from './usage.ts';

const program = new Command('vigil')
  .description('Vigil: a real-time infrastructure monitor.')
  .version(VIGIL_VERSION)
  .showHelpAfterError()
  .exitOverride();

program.addCommand(serveCommand());
program.addCommand(agentCommand());
program.addCommand(snapshotCommand());
program.addCommand(userCommand());
program.addCommand(tokenCommand());
program.addCommand(exportCommand());
program.addCommand(alertsCommand());
program.addCommand(reportCommand());
program.addCommand(topCommand());
program.addCommand(loginCommand());
program.addCommand(logoutCommand());
program.addCommand(statusCommand());
program.addCommand(monitorCommand());

try {
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
