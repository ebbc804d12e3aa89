import { AGENT_VERSION } from '@vigil/agent';
import { Command, CommanderError } from 'commander';
import { snapshotCommand } from './commands/snapshot.ts';
import { UsageError } from './usage.ts';

const program = new Command('vigil')
  .description('Vigil: a real-time infrastructure monitor.')
  .version(AGENT_VERSION)
  .showHelpAfterError()
  .exitOverride();

program.addCommand(snapshotCommand());

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
