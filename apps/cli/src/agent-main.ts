// The standalone agent (vigil-agent.mjs): the `vigil agent` command as a program of its own, bundled by
// scripts/build.mjs with every dependency inside, so that a host needs nothing but `node` (>= 20).
import { VIGIL_VERSION } from '@vigil/schema';
import { CommanderError } from 'commander';
import { agentCommand } from './commands/agent.ts';
import { UsageError } from './usage.ts';

const program = agentCommand().name('vigil-agent').version(VIGIL_VERSION).showHelpAfterError().exitOverride();

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  if (error instanceof UsageError) {
    console.error(`vigil-agent: ${error.message}`);
    process.exit(2);
  }
  console.error(`vigil-agent: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
}
