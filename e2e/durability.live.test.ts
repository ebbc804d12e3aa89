import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent } from '@vigil/agent';
import type { Frame } from '@vigil/schema';
import { afterAll, describe, expect, it } from 'vitest';
import { quietLog, waitFor } from './helpers/hub.ts';

const VIGIL = fileURLToPath(new URL('../apps/cli/bin/vigil.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'vigil-durability-'));
const data = join(dir, 'data');
let hub: ChildProcess | null = null;
let agent: Agent | null = null;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function startHub(port: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [VIGIL, 'serve', '--port', String(port), '--host', '127.0.0.1', '--data', data, '--no-local-agent'],
    {
      env: { ...process.env, VIGIL_ADMIN_PASSWORD: 'durable-password', VIGIL_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  await waitFor('the hub to answer', async () => (await fetch(`http://127.0.0.1:${port}/api/health`).catch(() => null))?.ok, 20_000);
  return child;
}

afterAll(async () => {
  await agent?.stop();
  hub?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('durability', () => {
  it('keeps every acknowledged sample when the hub is killed with SIGKILL mid-stream', async () => {
    const port = await freePort();
    hub = await startHub(port);
    const token = execFileSync(process.execPath, [VIGIL, 'token', 'create', '--kind', 'agent', '--name', 'durable-1', '--data', data], {
      encoding: 'utf8',
    }).split('\n')[0] as string;
    const sent = new Map<number, number>();
    let acked = -1;
    agent = new Agent({
      hub: `http://127.0.0.1:${port}`,
      token,
      hostname: 'durable-1',
      spoolDir: join(dir, 'spool'),
      intervalMs: 1000,
      log: quietLog,
      onAck: (seq) => (acked = seq),
    });
    const enqueue = agent.client.enqueue.bind(agent.client);
    agent.client.enqueue = (frame: Frame) => {
      sent.set(frame.seq, frame.ts);
      enqueue(frame);
    };
    await agent.start();
    await waitFor('five acknowledged frames', () => acked >= 4, 20_000);
    hub.kill('SIGKILL');
    await new Promise((resolve) => hub?.once('exit', resolve));
    const ackedBeforeCrash = acked;
    // Frames keep coming while the hub is down: they wait in the agent's spool.
    const seqAtCrash = Math.max(...sent.keys());
    await waitFor('two more frames collected while the hub is down', () => Math.max(...sent.keys()) >= seqAtCrash + 2);
    hub = await startHub(port);
    await waitFor('the spooled frames to be acknowledged', () => acked >= seqAtCrash + 2, 30_000);

    const login = (await (
      await fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: 'durable-password' }),
      })
    ).json()) as { token: string };
    // The agent goes on collecting, and frames go on being acknowledged while the query runs: the query and the check
    // both cover the frames acknowledged up to now, no later one.
    const ackedAtQuery = acked;
    const first = sent.get(0) as number;
    const last = sent.get(ackedAtQuery) as number;
    const response = await fetch(`http://127.0.0.1:${port}/api/v1/query?metric=uptime_seconds&host=durable-1&from=${first}&to=${last}`, {
      headers: { authorization: `Bearer ${login.token}` },
    });
    const body = (await response.json()) as { series: { points: number[][] }[] };
    const stored = new Set<number>(body.series[0]?.points.map((p) => p[0] as number));
    const missingAckedBeforeCrash = [...sent.entries()].filter(([seq, ts]) => seq <= ackedBeforeCrash && !stored.has(ts));
    expect(missingAckedBeforeCrash).toEqual([]);
    // And nothing collected is lost at all: the frames the crash left unacknowledged came again from the spool.
    const missing = [...sent.entries()].filter(([seq, ts]) => seq <= ackedAtQuery && !stored.has(ts));
    expect(missing).toEqual([]);
  }, 90_000);
});
