import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { LoginResponse } from '@vigil/schema';
import { Command } from 'commander';
import * as z from 'zod';
import { credentialsPath, hubFetch, hubJson } from '../hub-client.ts';
import { readPassword } from '../prompt.ts';
import { parseOptions, UsageError } from '../usage.ts';

const LoginOptions = z.object({
  hub: z.url({ protocol: /^https?$/, message: 'must be the hub’s URL, like http://hub:7070' }),
  user: z.string().min(1).max(64).optional(),
  passwordStdin: z.boolean().optional(),
});

/** What `vigil login` keeps: a session of the user, usable as a bearer token until it expires. */
export const Credentials = z.object({
  hub: z.string(),
  token: z.string(),
  user: z.string(),
  role: z.string(),
  expiresAt: z.number(),
});

async function ask(question: string): Promise<string> {
  if (!process.stdin.isTTY) throw new UsageError('no user name: give --user NAME');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}

/** `vigil login --hub URL`: logs in and keeps the session for the other commands (mode 0600). */
export function loginCommand(): Command {
  return new Command('login')
    .description('Log in to a hub; later commands use the session (kept in ~/.config/vigil/credentials.json, mode 0600).')
    .option('--hub <url>', 'the hub, e.g. http://hub:7070 (or $VIGIL_HUB)')
    .option('--user <name>', 'the user name (asked for on a terminal)')
    .option('--password-stdin', 'read the password from standard input (for scripts)')
    .action(async (raw: Record<string, unknown>) => {
      const o = parseOptions(LoginOptions, { ...raw, hub: raw.hub ?? process.env.VIGIL_HUB });
      const hub = o.hub.replace(/\/$/, '');
      const username = o.user ?? (await ask('User name: '));
      const password = await readPassword('Password');
      let session: z.infer<typeof LoginResponse>;
      try {
        session = await hubJson(hub, 'none', '/api/v1/auth/login', LoginResponse, {
          method: 'POST',
          json: { username, password },
          headers: { authorization: '' },
        });
      } catch (error) {
        if (error instanceof UsageError && error.message.startsWith('the hub refused the token'))
          throw new UsageError(`wrong user name or password for ${hub}`);
        throw error;
      }
      const path = credentialsPath();
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      const credentials: z.infer<typeof Credentials> = {
        hub,
        token: session.token,
        user: session.user.name,
        role: session.user.role,
        expiresAt: session.expiresAt,
      };
      writeFileSync(path, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
      chmodSync(path, 0o600);
      console.log(
        `logged in to ${hub} as ${session.user.name} (${session.user.role}) until ${new Date(session.expiresAt).toLocaleString()}; saved in ${path}`,
      );
    });
}

/** `vigil logout`: ends the saved session on the hub and forgets it. */
export function logoutCommand(): Command {
  return new Command('logout').description('End the session saved by `vigil login`.').action(async () => {
    const path = credentialsPath();
    let saved: z.infer<typeof Credentials>;
    try {
      saved = Credentials.parse(JSON.parse(readFileSync(path, 'utf8')));
    } catch {
      console.log('not logged in');
      return;
    }
    try {
      await hubFetch(saved.hub, saved.token, '/api/v1/auth/logout', { method: 'POST' });
    } catch (error) {
      // The session is forgotten here either way; an unreachable hub lets it expire by itself.
      console.error(`vigil: ${(error as Error).message}`);
    }
    rmSync(path, { force: true });
    console.log(`logged out of ${saved.hub}`);
  });
}
