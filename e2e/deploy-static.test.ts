import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { loadConfig } from '@vigil/hub';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { AGENT_UNIT, has, INSTALL_SH, REPO, run } from './helpers/deploy.ts';

/** Checks of deploy/ that need no hub: the scripts, the units, the container files and the example configuration. */
const DEPLOY = join(REPO, 'deploy');
const work = mkdtempSync(join(tmpdir(), 'vigil-deploy-static-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
/** systemd-analyze works without a running systemd (verify, security --offline); it may be missing from a container. */
const systemdAnalyze = await has('systemd-analyze');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('the scripts', () => {
  it('shellcheck passes on every shell script in deploy/', async () => {
    const scripts = filesUnder(DEPLOY).filter((f) => f.endsWith('.sh') || readFileSync(f, 'utf8').startsWith('#!/bin/sh'));
    expect(scripts.map((f) => relative(REPO, f))).toContain('deploy/install.sh');
    const result = await run('shellcheck', ['--severity=style', ...scripts]);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('install.sh installs the unit of deploy/systemd, word for word', () => {
    const script = readFileSync(INSTALL_SH, 'utf8');
    const embedded = /cat >"\$WORK\/unit" <<'UNIT'\n([\s\S]*?)\nUNIT\n/.exec(script)?.[1];
    expect(`${embedded}\n`).toBe(readFileSync(AGENT_UNIT, 'utf8'));
  });
});

describe('the systemd units', () => {
  /** The units as installed, with programs that exist here (verify checks that ExecStart's program is executable). */
  function unitsHere(): string[] {
    return ['vigil-agent.service', 'vigil-hub.service'].map((name) => {
      const path = join(work, name);
      const text = readFileSync(join(DEPLOY, 'systemd', name), 'utf8');
      writeFileSync(
        path,
        text
          .replace('ExecStart=/usr/bin/node ', `ExecStart=${process.execPath} `)
          .replace('ExecStart=/usr/local/bin/vigil ', `ExecStart=${process.execPath} `),
      );
      return path;
    });
  }

  it.skipIf(!systemdAnalyze)('pass systemd-analyze verify', async () => {
    for (const unit of unitsHere()) {
      const result = await run('systemd-analyze', ['verify', '--man=no', unit]);
      expect(
        `${result.stdout}${result.stderr}`.split('\n').filter((line) => line.includes('vigil-')),
        unit,
      ).toEqual([]);
      expect(result.code, unit).toBe(0);
    }
  });

  it.skipIf(!systemdAnalyze)('are sandboxed: systemd-analyze security rates both below 3 (of 10)', async () => {
    for (const unit of unitsHere()) {
      const result = await run('systemd-analyze', ['security', '--offline=yes', unit]);
      const exposure = Number(/Overall exposure level for \S+: ([\d.]+)/.exec(result.stdout)?.[1]);
      expect(exposure, `${unit}\n${result.stdout.slice(-400)}${result.stderr}`).toBeLessThan(3);
    }
  });

  it('keep the agent to its three capabilities and the hub to none, and restart on failure', () => {
    const agent = readFileSync(AGENT_UNIT, 'utf8');
    const hub = readFileSync(join(DEPLOY, 'systemd/vigil-hub.service'), 'utf8');
    expect(agent).toMatch(/^CapabilityBoundingSet=CAP_DAC_READ_SEARCH CAP_SYS_PTRACE CAP_KILL$/m);
    expect(hub).toMatch(/^CapabilityBoundingSet=$/m);
    expect(hub).toMatch(/^ExecStart=\/usr\/local\/bin\/vigil serve --config \/etc\/vigil\/vigil.yaml$/m);
    for (const unit of [agent, hub]) {
      for (const line of ['NoNewPrivileges=yes', 'ProtectSystem=strict', 'PrivateTmp=yes', 'Restart=on-failure', 'User=vigil'])
        expect(unit).toContain(`\n${line}\n`);
      expect(unit).not.toMatch(/^MemoryDenyWriteExecute=yes/m); // V8 needs W+X memory
    }
  });
});

/** A Dockerfile's instructions by stage: continuation lines joined, comments dropped. */
function dockerStages(text: string): { name: string; from: string; instructions: [string, string][] }[] {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages: { name: string; from: string; instructions: [string, string][] }[] = [];
  for (const line of lines) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (keyword.toUpperCase() === 'FROM') {
      const match = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      stages.push({ from: match?.[1] ?? '', name: match?.[2] ?? String(stages.length), instructions: [] });
    } else stages.at(-1)?.instructions.push([keyword.toUpperCase(), args]);
  }
  return stages;
}

describe('the container files', () => {
  const dockerfile = readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8');
  const stages = dockerStages(dockerfile);
  const stage = (name: string) => stages.find((s) => s.name === name);
  /** The instructions a target runs with: its own, after those of the stages it is built FROM. */
  const lineage = (name: string): [string, string][] => {
    const s = stage(name);
    if (!s) return [];
    return [...(stage(s.from) ? lineage(s.from) : []), ...s.instructions];
  };

  it('the Dockerfile builds the targets hub and agent on Node 20 or newer, as a non-root user', () => {
    expect(stages.map((s) => s.name)).toEqual(expect.arrayContaining(['build', 'hub', 'agent']));
    for (const target of ['hub', 'agent']) {
      const users = lineage(target).filter(([k]) => k === 'USER');
      expect(users.length, target).toBeGreaterThan(0);
      expect(users.at(-1)?.[1], target).not.toMatch(/^(root|0)(:|$)/);
    }
    for (const s of stages.filter((s) => s.from.startsWith('node:'))) expect(s.from).toMatch(/^node:\$\{NODE_VERSION\}-bookworm(-slim)?$/);
    expect(dockerfile).toMatch(/^ARG NODE_VERSION=(2\d)$/m);
    // Every COPY --from names a stage defined before it.
    for (const [i, s] of stages.entries())
      for (const [, args] of s.instructions.filter(([k]) => k === 'COPY')) {
        const from = /--from=(\S+)/.exec(args)?.[1];
        if (from) expect(stages.slice(0, i).map((x) => x.name)).toContain(from);
      }
  });

  it('the hub image checks /api/health, exposes 7070 and keeps its data in a volume; the agent spools in one', () => {
    const hub = lineage('hub');
    expect(hub.find(([k]) => k === 'HEALTHCHECK')?.[1]).toContain('/api/health');
    expect(hub).toContainEqual(['EXPOSE', '7070']);
    expect(hub).toContainEqual(['VOLUME', '/var/lib/vigil']);
    expect(lineage('agent')).toContainEqual(['VOLUME', '/var/lib/vigil-agent']);
    expect(lineage('agent').find(([k]) => k === 'ENTRYPOINT')?.[1]).toContain('/opt/vigil/vigil-agent.mjs');
  });

  it('docker-compose runs the hub and an agent that sees the host (pid: host)', () => {
    const compose = parseYaml(readFileSync(join(DEPLOY, 'docker-compose.yml'), 'utf8'));
    expect(compose.services.hub.build).toMatchObject({ context: '..', dockerfile: 'deploy/Dockerfile', target: 'hub' });
    expect(compose.services.hub.ports).toContain('7070:7070');
    expect(compose.services.agent.build).toMatchObject({ target: 'agent' });
    expect(compose.services.agent).toMatchObject({ pid: 'host', network_mode: 'host', cap_drop: ['ALL'] });
    expect(compose.services.agent.environment.VIGIL_HUB).toBe('http://127.0.0.1:7070');
  });

  it('.dockerignore keeps node_modules, builds and data out of the build context', () => {
    const ignored = readFileSync(join(REPO, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['.git', '**/node_modules', '**/dist', 'data']) expect(ignored).toContain(entry);
  });
});

describe('the example configuration deploy/vigil.yaml', () => {
  it('is a valid vigil.yaml that keeps the data in /var/lib/vigil', () => {
    expect(loadConfig({ file: join(DEPLOY, 'vigil.yaml') }).data.dir).toBe('/var/lib/vigil');
  });

  it('stays valid with its commented examples (public URL, TLS, plugins, rules, channels, S3 archive) switched on', () => {
    const text = readFileSync(join(DEPLOY, 'vigil.yaml'), 'utf8')
      .replace(/^( {2}(?:rules|channels|plugins)): \[\]$/gm, '$1:')
      .replace(/^archive: \{\}$/m, 'archive:')
      .replace(/^ {2}# {3}( *)/gm, '    $1')
      .replace(/^ {2}# (publicUrl|tls|textfileDir):/gm, '  $1:');
    const path = join(work, 'vigil-full.yaml');
    writeFileSync(path, text);
    const config = loadConfig({ file: path });
    expect(config.server.publicUrl).toBe('https://vigil.example.com');
    expect(config.alerts.rules.map((r) => r.name)).toEqual(['root disk full', 'nginx down']);
    expect(config.alerts.channels.map((c) => c.type)).toEqual(['webhook', 'email']);
    expect(config.agent.plugins.map((p) => p.name)).toEqual(['db_connections']);
    expect(config.archive.s3).toMatchObject({ bucket: 'my-monitoring-data', endpoint: 'http://minio:9000', prefix: 'vigil/' });
  });
});
