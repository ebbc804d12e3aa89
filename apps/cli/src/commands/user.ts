import { Password, Role, UserName } from '@vigil/schema';
import { Command } from 'commander';
import * as z from 'zod';
import type { AdminBackend, BackendOptions } from '../admin-backend.ts';
import { readPassword } from '../prompt.ts';
import { parseOptions, UsageError } from '../usage.ts';

const Target = z.object({
  hub: z.string().url().optional(),
  token: z.string().optional(),
  data: z.string().optional(),
  config: z.string().optional(),
});

function withTarget(command: Command): Command {
  return command
    .option('--hub <url>', 'a running hub (with --token of an admin); default: the data folder', process.env.VIGIL_HUB)
    .option('--token <token>', 'an admin API token for --hub (or $VIGIL_TOKEN)', process.env.VIGIL_TOKEN)
    .option('--data <dir>', 'the hub data folder (default from the config, or ./data)')
    .option('--config <file>', 'vigil.yaml');
}

async function run(raw: Record<string, unknown>, work: (backend: AdminBackend) => Promise<void>): Promise<void> {
  const options = parseOptions(Target, raw) as BackendOptions;
  const { openBackend } = await import('../admin-backend.ts');
  const backend = openBackend(options);
  try {
    await work(backend);
  } finally {
    backend.close();
  }
}

async function passwordFrom(raw: Record<string, unknown>): Promise<string> {
  const given = typeof raw.password === 'string' ? raw.password : await readPassword('Password');
  const parsed = Password.safeParse(given);
  if (!parsed.success) throw new UsageError(`password ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

const validName = (name: string) => {
  const parsed = UserName.safeParse(name);
  if (!parsed.success) throw new UsageError(`user name ${parsed.error.issues[0]?.message}`);
  return parsed.data;
};

/** `vigil user add|list|passwd|role|remove`. */
export function userCommand(): Command {
  const user = new Command('user').description('Manage users (viewer, operator, admin).');
  withTarget(user.command('add <name>').description('Add a user'))
    .option('--role <role>', 'viewer, operator or admin', 'viewer')
    .option('--password <password>', 'the password (default: asked, or the first line of standard input)')
    .action(async (name: string, raw: Record<string, unknown>) => {
      const role = parseOptions(z.object({ role: Role }), { role: raw.role }).role;
      const password = await passwordFrom(raw);
      await run(raw, async (b) => {
        const created = await b.addUser(validName(name), password, role);
        console.log(`added ${created.name} (${created.role})`);
      });
    });
  withTarget(user.command('list').description('List users'))
    .option('--json', 'as JSON')
    .action(async (raw: Record<string, unknown>) => {
      await run(raw, async (b) => {
        const users = await b.listUsers();
        if (raw.json) console.log(JSON.stringify(users, null, 2));
        else
          for (const u of users)
            console.log(`${u.name.padEnd(24)} ${u.role.padEnd(9)} since ${new Date(u.createdAt).toISOString().slice(0, 10)}`);
      });
    });
  withTarget(user.command('passwd <name>').description("Set a user's password (ends their sessions)"))
    .option('--password <password>', 'the new password (default: asked, or the first line of standard input)')
    .action(async (name: string, raw: Record<string, unknown>) => {
      const password = await passwordFrom(raw);
      await run(raw, async (b) => {
        await b.setPassword(name, password);
        console.log(`password of ${name} changed`);
      });
    });
  withTarget(user.command('role <name> <role>').description("Change a user's role")).action(
    async (name: string, roleText: string, raw: Record<string, unknown>) => {
      const role = parseOptions(z.object({ role: Role }), { role: roleText }).role;
      await run(raw, async (b) => {
        await b.setRole(name, role);
        console.log(`${name} is now ${role}`);
      });
    },
  );
  withTarget(user.command('remove <name>').description('Remove a user, with their sessions and tokens')).action(
    async (name: string, raw: Record<string, unknown>) => {
      await run(raw, async (b) => {
        await b.removeUser(name);
        console.log(`removed ${name}`);
      });
    },
  );
  return user;
}

export { run as runWithBackend, withTarget };
