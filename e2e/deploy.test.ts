import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VIGIL_VERSION } from '@vigil/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_UNIT, BARE_PATH, INSTALL_SH, mode, parseEnvFile, run, startProcess, unitValue } from './helpers/deploy.ts';
import { startTestHub, type TestHub, waitFor } from './helpers/hub.ts';

/**
 * Deployment (issue 8): the agent as one file that needs only node, served by the hub with its checksum and
 * /install.sh, and the installer run into a test root (DESTDIR), whose installed files then run together.
 */
let t: TestHub;
let work: string;
let served: Buffer;
const stops: (() => Promise<unknown>)[] = [];

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** A new agent token from the hub's API. */
async function agentToken(name: string): Promise<string> {
  const { status, body } = await t.api('POST', '/api/v1/tokens', { token: t.admin, body: { kind: 'agent', name } });
  expect(status).toBe(201);
  return body.token;
}

async function waitOnline(hostname: string): Promise<void> {
  await waitFor(
    `${hostname} to be online on the hub`,
    async () => (await t.api('GET', `/api/v1/hosts/${hostname}`, { token: t.admin })).body?.status === 'online',
    20_000,
  );
}

/** An empty folder of its own: nothing to find beside the agent (no node_modules, no package.json). */
function emptyDir(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir);
  return dir;
}

/** Runs the installer the hub served, as the dashboard's command does but into a test root (DESTDIR). */
async function install(root: string, args: string[]) {
  return run('sh', [join(work, 'install.sh'), ...args], { env: { PATH: BARE_PATH, DESTDIR: root }, timeoutMs: 60_000 });
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'vigil-deploy-'));
  t = await startTestHub();
  // The installer as the hub serves it, with the hub's URL in it (as `curl -fsSL HUB/install.sh` gets it).
  const response = await fetch(`${t.url}/install.sh`);
  writeFileSync(join(work, 'install.sh'), await response.text());
  // The bundle as the hub serves it (read once, the hub keeps serving it while a build elsewhere replaces it).
  served = Buffer.from(await (await fetch(`${t.url}/agent/vigil-agent.mjs`)).arrayBuffer());
}, 60_000);

afterAll(async () => {
  await Promise.all(stops.map((stop) => stop()));
  await t?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('the agent bundle', () => {
  it('runs alone with only node: --version and --help from an empty folder', async () => {
    const dir = emptyDir('alone');
    writeFileSync(join(dir, 'vigil-agent.mjs'), served);
    expect(readdirSync(dir)).toEqual(['vigil-agent.mjs']);
    const env = { PATH: BARE_PATH };
    const version = await run(process.execPath, ['vigil-agent.mjs', '--version'], { cwd: dir, env });
    expect(version).toMatchObject({ code: 0, stdout: `${VIGIL_VERSION}\n` });
    const help = await run(process.execPath, ['vigil-agent.mjs', '--help'], { cwd: dir, env });
    expect(help.code).toBe(0);
    for (const option of ['--hub', '--token', '--hostname', '--spool', '--config']) expect(help.stdout).toContain(option);
    const usage = await run(process.execPath, ['vigil-agent.mjs'], { cwd: dir, env });
    expect(usage).toMatchObject({ code: 2, stderr: 'vigil-agent: --hub: is required (or set VIGIL_HUB)\n' });
  });

  it('streams to a hub with only node: the host comes online', async () => {
    const dir = emptyDir('solo');
    writeFileSync(join(dir, 'vigil-agent.mjs'), served);
    const token = await agentToken('deploy-solo');
    const agent = startProcess(
      process.execPath,
      ['vigil-agent.mjs', '--hub', t.url, '--token', token, '--hostname', 'deploy-solo', '--spool', join(dir, 'spool')],
      { cwd: dir, env: { PATH: BARE_PATH } },
    );
    stops.push(agent.stop);
    await waitOnline('deploy-solo');
    expect(await agent.stop()).toBe(0);
    expect(agent.output()).toContain('connected to');
  });
});

describe('the hub serves the agent', () => {
  it('GET /agent/vigil-agent.mjs without a login, with its sha256 in headers and beside it', async () => {
    const response = await fetch(`${t.url}/agent/vigil-agent.mjs`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const body = Buffer.from(await response.arrayBuffer());
    const digest = sha256(body);
    expect(response.headers.get('x-vigil-sha256')).toBe(digest);
    expect(response.headers.get('repr-digest')).toBe(`sha-256=:${Buffer.from(digest, 'hex').toString('base64')}:`);
    const sum = await fetch(`${t.url}/agent/vigil-agent.mjs.sha256`);
    expect(sum.status).toBe(200);
    expect(await sum.text()).toBe(`${digest}  vigil-agent.mjs\n`);
    expect(body.subarray(0, 20).toString()).toBe('#!/usr/bin/env node\n');
  });

  it('GET /install.sh renders the installer with the hub URL as the default --hub, and the routes stay out of OpenAPI', async () => {
    const served = readFileSync(join(work, 'install.sh'), 'utf8');
    expect(served).toContain(`\nVIGIL_HUB_DEFAULT='${t.url}'\n`);
    expect(served.replace(`VIGIL_HUB_DEFAULT='${t.url}'`, "VIGIL_HUB_DEFAULT=''")).toBe(readFileSync(INSTALL_SH, 'utf8'));
    const { body } = await t.api('GET', '/api/v1/openapi.json', { token: t.admin });
    expect(Object.keys(body.paths).filter((p) => p.includes('install') || p.startsWith('/agent/'))).toEqual([]);
  });

  it('bakes in the configured public URL instead of the address asked', async () => {
    const other = await startTestHub({ server: { host: '127.0.0.1', port: 0, publicUrl: 'https://vigil.example.com/' } });
    try {
      const text = await (await fetch(`${other.url}/install.sh`)).text();
      expect(text).toContain("\nVIGIL_HUB_DEFAULT='https://vigil.example.com'\n");
    } finally {
      await other.stop();
    }
  });
});

describe('install.sh into a test root', () => {
  let root: string;
  let token: string;
  const args = () => ['--hub', t.url, '--token', token, '--hostname', 'deploy-box', '--node', process.execPath];
  const file = (path: string) => join(root, path);

  beforeAll(async () => {
    root = emptyDir('root');
    token = await agentToken('deploy-box');
  });

  it('installs the agent, its settings, its token and its unit, with their modes', async () => {
    const result = await install(root, args());
    expect(result.stderr).not.toContain('error');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('DESTDIR is set: not creating the vigil user');
    expect(result.stdout).toContain('DESTDIR is set: systemctl was not called');

    expect(sha256(readFileSync(file('opt/vigil/vigil-agent.mjs')))).toBe(sha256(served));
    expect(mode(file('opt/vigil/vigil-agent.mjs'))).toBe(0o755);

    const yaml = readFileSync(file('etc/vigil/agent.yaml'), 'utf8');
    expect(yaml).toContain(`\nhub: '${t.url}'\n`);
    expect(yaml).toContain("\nhostname: 'deploy-box'\n");
    expect(yaml).not.toContain(token);
    expect(mode(file('etc/vigil/agent.yaml'))).toBe(0o640);

    expect(parseEnvFile(readFileSync(file('etc/vigil/agent.env'), 'utf8'))).toEqual({ VIGIL_TOKEN: token });
    expect(mode(file('etc/vigil/agent.env'))).toBe(0o600);

    const unit = readFileSync(file('etc/systemd/system/vigil-agent.service'), 'utf8');
    expect(mode(file('etc/systemd/system/vigil-agent.service'))).toBe(0o644);
    expect(unit).toBe(readFileSync(AGENT_UNIT, 'utf8').replace('ExecStart=/usr/bin/node ', `ExecStart=${process.execPath} `));
    const [node, bundle, ...rest] = (unitValue(unit, 'ExecStart') ?? '').split(' ');
    expect([node, bundle]).toEqual([process.execPath, '/opt/vigil/vigil-agent.mjs']);
    expect(rest).toEqual(['--config', '/etc/vigil/agent.yaml', '--spool', '/var/lib/vigil-agent/spool']);
    expect(unitValue(unit, 'EnvironmentFile')).toBe('/etc/vigil/agent.env');
    expect(unitValue(unit, 'User')).toBe('vigil');
    expect(existsSync(file('etc/vigil/agent.env'))).toBe(true);
  });

  it("runs: the unit's command line with the env file's variables brings the host online", async () => {
    const unit = readFileSync(file('etc/systemd/system/vigil-agent.service'), 'utf8');
    // The unit's paths, under the test root (as systemd would find them under /); the spool in the root's /var/lib.
    const [node, ...argv] = (unitValue(unit, 'ExecStart') ?? '')
      .split(' ')
      .map((arg) => (arg.startsWith('/') && arg !== process.execPath ? file(arg) : arg));
    const env = parseEnvFile(readFileSync(file((unitValue(unit, 'EnvironmentFile') ?? '').slice(1)), 'utf8'));
    mkdirSync(file('var/lib/vigil-agent'), { recursive: true });
    const agent = startProcess(node as string, argv, { cwd: emptyDir('service-cwd'), env: { PATH: BARE_PATH, ...env } });
    stops.push(agent.stop);
    await waitOnline('deploy-box');
    expect(await agent.stop()).toBe(0);
    expect(agent.output()).toContain(`monitoring deploy-box for ${t.url}`);
    expect(existsSync(file('var/lib/vigil-agent/spool'))).toBe(true);
  });

  it('is idempotent: running it again changes nothing, and without --token it keeps the configuration', async () => {
    const paths = ['opt/vigil/vigil-agent.mjs', 'etc/vigil/agent.yaml', 'etc/vigil/agent.env', 'etc/systemd/system/vigil-agent.service'];
    const before = paths.map((p) => [readFileSync(file(p), 'utf8'), statSync(file(p)).mtimeMs, mode(file(p))]);
    const again = await install(root, args());
    expect(again.code).toBe(0);
    expect(again.stdout).not.toContain('installed');
    const upgrade = await install(root, ['--node', process.execPath]);
    expect(upgrade.code).toBe(0);
    expect(upgrade.stdout).toContain(`downloaded the agent ${VIGIL_VERSION} from ${t.url}`);
    expect(upgrade.stdout).toContain('kept the configuration');
    expect(paths.map((p) => [readFileSync(file(p), 'utf8'), statSync(file(p)).mtimeMs, mode(file(p))])).toEqual(before);
  });

  it('a new --token writes a new configuration and keeps the old one as agent.yaml.bak', async () => {
    const old = readFileSync(file('etc/vigil/agent.yaml'), 'utf8');
    const result = await install(root, ['--token', 'vgl_agent_other', '--hostname', 'deploy-box-2', '--node', process.execPath]);
    expect(result.code).toBe(0);
    expect(readFileSync(file('etc/vigil/agent.yaml.bak'), 'utf8')).toBe(old);
    expect(readFileSync(file('etc/vigil/agent.yaml'), 'utf8')).toContain("\nhostname: 'deploy-box-2'\n");
    expect(readFileSync(file('etc/vigil/agent.env'), 'utf8')).toContain('\nVIGIL_TOKEN=vgl_agent_other\n');
  });

  it('--uninstall removes what it installed', async () => {
    const result = await install(root, ['--uninstall']);
    expect(result.code).toBe(0);
    for (const gone of ['opt/vigil', 'etc/vigil', 'etc/systemd/system/vigil-agent.service', 'var/lib/vigil-agent'])
      expect(existsSync(file(gone)), gone).toBe(false);
  });
});

describe('install.sh refuses', () => {
  it('with --dry-run, changes nothing', async () => {
    const root = emptyDir('dry');
    const result = await install(root, ['--dry-run', '--token', 'vgl_agent_x', '--node', process.execPath]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`would download ${t.url}/agent/vigil-agent.mjs`);
    expect(result.stdout).toContain(`would install ${root}/etc/vigil/agent.env (mode 0600, owner root:root)`);
    expect(readdirSync(root)).toEqual([]);
  });

  it('a bundle whose sha256 is not the one expected', async () => {
    const root = emptyDir('bad-sum');
    const result = await install(root, ['--token', 'vgl_agent_x', '--sha256', '0'.repeat(64), '--node', process.execPath]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`expected ${'0'.repeat(64)}: not installed`);
    expect(readdirSync(root)).toEqual([]);
  });

  it('a node older than 20, saying how to install one', async () => {
    const old = join(work, 'node18');
    writeFileSync(old, '#!/bin/sh\ncase $1 in -p) echo 18 ;; --version) echo v18.19.1 ;; esac\n', { mode: 0o755 });
    const result = await install(emptyDir('old-node'), ['--token', 'vgl_agent_x', '--node', old]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${old} is Node.js v18.19.1, older than 20.`);
    expect(result.stderr).toContain('Node.js 20 or newer runs the agent, and this script does not install it');
  });

  it('a first installation without a token, and a hub that is not a URL', async () => {
    const missing = await install(emptyDir('no-token'), ['--node', process.execPath]);
    expect(missing).toMatchObject({ code: 1 });
    expect(missing.stderr).toContain('--token is required for the first installation');
    const bad = await install(emptyDir('bad-hub'), ['--hub', "http://x'; rm -rf /", '--token', 'vgl_agent_x', '--node', process.execPath]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--hub takes the URL of the hub');
  });
});
