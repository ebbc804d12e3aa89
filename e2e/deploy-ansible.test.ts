import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { AGENT_UNIT, BARE_PATH, has, mode, parseEnvFile, REPO, run, startProcess, unitValue } from './helpers/deploy.ts';
import { startTestHub, type TestHub, waitFor } from './helpers/hub.ts';

/** The Ansible role (seed 004: agents deployed to several hosts): its syntax, and a real run on this machine into a test root. */
const ANSIBLE = join(REPO, 'deploy/ansible');
const work = mkdtempSync(join(tmpdir(), 'vigil-deploy-ansible-'));
/** Ansible keeps its temporary files in the test's folder, not in ~/.ansible. */
const env = {
  ...process.env,
  ANSIBLE_NOCOLOR: '1',
  ANSIBLE_LOCAL_TEMP: join(work, 'ansible-local'),
  ANSIBLE_REMOTE_TEMP: join(work, 'ansible-remote'),
  ANSIBLE_RETRY_FILES_ENABLED: 'false',
};
const ansibleLint = await has('ansible-lint');
let t: TestHub;
const stops: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await Promise.all(stops.map((stop) => stop()));
  await t?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('the Ansible playbook', () => {
  it('passes ansible-playbook --syntax-check with the example inventory', async () => {
    const result = await run('ansible-playbook', ['--syntax-check', '-i', 'inventory.example.yml', 'playbook.yml'], { cwd: ANSIBLE, env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it.skipIf(!ansibleLint)('passes ansible-lint', async () => {
    const result = await run('ansible-lint', ['playbook.yml'], { cwd: ANSIBLE, env, timeoutMs: 120_000 });
    expect(result.stdout + result.stderr, 'ansible-lint').not.toMatch(/\bviolation/);
    expect(result.code).toBe(0);
  });

  it('installs what install.sh installs, into a test root, and the result streams to the hub', async () => {
    const root = join(work, 'root');
    mkdirSync(root);
    const token = (await t.api('POST', '/api/v1/tokens', { token: t.admin, body: { kind: 'agent', name: 'ansible-edge' } })).body.token;
    const inventory = join(work, 'inventory.yml');
    writeFileSync(
      inventory,
      JSON.stringify({
        vigil_agents: { hosts: { localhost: { ansible_connection: 'local', ansible_python_interpreter: 'auto_silent' } } },
      }),
    );
    const vars = {
      ansible_become: false,
      vigil_root: root,
      vigil_hub_url: t.url,
      vigil_agent_token: token,
      vigil_agent_hostname: 'ansible-edge',
      vigil_node: process.execPath,
    };
    const play = await run('ansible-playbook', ['-i', inventory, 'playbook.yml', '-e', JSON.stringify(vars)], {
      cwd: ANSIBLE,
      env,
      timeoutMs: 170_000,
    });
    expect(play.code, play.stdout.slice(-3000) + play.stderr).toBe(0);
    expect(play.stdout).toMatch(/localhost\s+: ok=\d+\s+changed=5 /);
    expect(play.stdout).not.toContain(token); // no_log on the token

    const file = (path: string) => join(root, path);
    const served = Buffer.from(await (await fetch(`${t.url}/agent/vigil-agent.mjs`)).arrayBuffer());
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(sha(readFileSync(file('opt/vigil/vigil-agent.mjs')))).toBe(sha(served));
    expect(mode(file('opt/vigil/vigil-agent.mjs'))).toBe(0o755);
    expect(parseYaml(readFileSync(file('etc/vigil/agent.yaml'), 'utf8'))).toEqual({ hub: t.url, hostname: 'ansible-edge' });
    expect(mode(file('etc/vigil/agent.yaml'))).toBe(0o640);
    expect(parseEnvFile(readFileSync(file('etc/vigil/agent.env'), 'utf8'))).toEqual({ VIGIL_TOKEN: token });
    expect(mode(file('etc/vigil/agent.env'))).toBe(0o600);
    const unit = readFileSync(file('etc/systemd/system/vigil-agent.service'), 'utf8');
    expect(unit).toBe(readFileSync(AGENT_UNIT, 'utf8').replace('ExecStart=/usr/bin/node ', `ExecStart=${process.execPath} `));

    // The installed files together: the unit's command line, under the test root, with the token file's variables.
    const [node, ...argv] = (unitValue(unit, 'ExecStart') ?? '')
      .split(' ')
      .map((arg) => (arg.startsWith('/') && arg !== process.execPath ? file(arg) : arg));
    mkdirSync(join(work, 'cwd'));
    const agent = startProcess(node as string, argv, {
      cwd: join(work, 'cwd'),
      env: { PATH: BARE_PATH, ...parseEnvFile(readFileSync(file('etc/vigil/agent.env'), 'utf8')) },
    });
    stops.push(agent.stop);
    await waitFor(
      'ansible-edge to be online',
      async () => (await t.api('GET', '/api/v1/hosts/ansible-edge', { token: t.admin })).body?.status === 'online',
      20_000,
    );
    expect(await agent.stop()).toBe(0);
  }, 200_000);
});
