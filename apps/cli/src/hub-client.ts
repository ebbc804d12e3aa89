import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Problem } from '@vigil/schema';
import type * as z from 'zod';
import { UsageError } from './usage.ts';

/** Where `vigil login` keeps the hub URL and token: the user's config folder, mode 0600. */
export function credentialsPath(): string {
  return join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'vigil', 'credentials.json');
}

/** The hub and token to use: flags, then VIGIL_HUB / VIGIL_TOKEN, then what `vigil login` saved. */
export function resolveHub(options: { hub?: string; token?: string }): { hub: string; token: string } {
  let saved: { hub?: string; token?: string } = {};
  try {
    saved = JSON.parse(readFileSync(credentialsPath(), 'utf8'));
  } catch {}
  // An empty variable counts as unset (VIGIL_HUB= in a script).
  const hub = options.hub || process.env.VIGIL_HUB || saved.hub;
  const token = options.token || process.env.VIGIL_TOKEN || (hub === saved.hub ? saved.token : undefined);
  if (!hub) throw new UsageError('which hub? give --hub URL (or set VIGIL_HUB, or run `vigil login --hub URL`)');
  if (!token) throw new UsageError(`no token for ${hub}: give --token (or set VIGIL_TOKEN, or run \`vigil login --hub ${hub}\`)`);
  return { hub: hub.replace(/\/$/, ''), token };
}

/** A request to the hub with the token; HTTP errors become messages naming the problem. */
export async function hubFetch(hub: string, token: string, path: string, init: RequestInit = {}): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(new URL(path, hub), { ...init, headers: { authorization: `Bearer ${token}`, ...init.headers } });
  } catch (error) {
    const cause = (error as { cause?: Error }).cause?.message ?? (error as Error).message;
    throw new UsageError(`cannot reach the hub at ${hub}: ${cause}`);
  }
  if (!response.ok) {
    const text = await response.text();
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {}
    const problem = Problem.safeParse(json);
    if (response.status === 401)
      throw new UsageError(
        `the hub refused the token (${problem.success ? problem.data.detail : 'HTTP 401'}); run \`vigil login\` or give a valid --token`,
      );
    throw new UsageError(
      problem.success
        ? `${problem.data.detail} (${problem.data.code}, HTTP ${response.status})`
        : `the hub answered HTTP ${response.status}`,
    );
  }
  return response;
}

/** A JSON call validated by a schema. */
export async function hubJson<T extends z.ZodType>(
  hub: string,
  token: string,
  path: string,
  schema: T,
  init: RequestInit & { json?: unknown } = {},
): Promise<z.infer<T>> {
  const { json, ...rest } = init;
  const response = await hubFetch(
    hub,
    token,
    path,
    json === undefined ? rest : { ...rest, body: JSON.stringify(json), headers: { 'content-type': 'application/json', ...rest.headers } },
  );
  const text = await response.text();
  return schema.parse(text ? JSON.parse(text) : null);
}
