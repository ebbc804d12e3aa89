import { Role, TokenKind } from '@vigil/schema';
import { Command } from 'commander';
import * as z from 'zod';
import { parseOptions } from '../usage.ts';
import { runWithBackend, withTarget } from './user.ts';

const CreateOptions = z.object({
  kind: TokenKind,
  name: z.string().min(1).max(100),
  role: Role.optional(),
  expiresDays: z.coerce.number().positive().max(3650).optional(),
  user: z.string().optional(),
});

/** `vigil token create|list|revoke`. */
export function tokenCommand(): Command {
  const token = new Command('token').description('Manage agent tokens and API tokens.');
  withTarget(token.command('create').description('Create a token; its secret is printed once'))
    .requiredOption('--kind <kind>', 'agent (for `vigil agent`) or api (for scripts and the CLI)')
    .requiredOption('--name <name>', 'what it is for, e.g. the host name')
    .option('--role <role>', 'for API tokens: viewer, operator or admin (at most the owner’s role)')
    .option('--expires-days <days>', 'lifetime in days (default: no expiry)')
    .option('--user <name>', 'owner of an API token, with the data folder (default admin)')
    .option('--json', 'print the whole answer as JSON')
    .action(async (raw: Record<string, unknown>) => {
      const o = parseOptions(CreateOptions, raw);
      await runWithBackend(raw, async (b) => {
        const created = await b.createToken({ kind: o.kind, name: o.name, role: o.role, expiresInDays: o.expiresDays }, o.user);
        if (raw.json) console.log(JSON.stringify(created, null, 2));
        else {
          console.log(created.token);
          console.error(`created ${created.kind} token ${created.id} "${created.name}"; the secret above is shown only now`);
        }
      });
    });
  withTarget(token.command('list').description('List tokens (without secrets)'))
    .option('--json', 'as JSON')
    .action(async (raw: Record<string, unknown>) => {
      await runWithBackend(raw, async (b) => {
        const tokens = await b.listTokens();
        if (raw.json) {
          console.log(JSON.stringify(tokens, null, 2));
          return;
        }
        for (const t of tokens) {
          const state = t.revokedAt ? 'revoked' : t.expiresAt && t.expiresAt < Date.now() ? 'expired' : 'active';
          console.log(`${t.id}  ${t.kind.padEnd(5)} ${state.padEnd(7)} ${t.prefix}…  ${t.name}${t.user ? ` (${t.user}, ${t.role})` : ''}`);
        }
      });
    });
  withTarget(token.command('revoke <id>').description('Revoke a token (agents using it are disconnected)')).action(
    async (id: string, raw: Record<string, unknown>) => {
      await runWithBackend(raw, async (b) => {
        await b.revokeToken(id);
        console.log(`revoked ${id}`);
      });
    },
  );
  return token;
}
