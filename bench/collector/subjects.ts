/** The collector benchmark's subjects: vigil and its peers, each with the exact command, port and config it runs with. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';

/**
 * The command under test, run from the repo root: one compact JSON frame per line on stdout, each with a top-level
 * `durationMs` (one full collection of all processes). Change it here when the CLI's flags change.
 */
export const VIGIL_COMMAND: readonly string[] = ['node', 'apps/cli/bin/vigil.mjs', 'snapshot', '--watch', '--interval', '1', '--compact'];

/** Used when apps/cli/bin/vigil.mjs does not exist yet (or with --stand-in), so the harness can be run end to end. */
export const VIGIL_STAND_IN_COMMAND: readonly string[] = ['node', 'bench/collector/vigil-stand-in.mjs', '--interval', '1'];

/** Loopback ports, away from each peer's default so a system-wide instance cannot be mistaken for ours. */
export const PORTS = { node_exporter: 19_100, glances: 19_208, netdata: 19_919 } as const;

export type SubjectName = 'vigil' | 'node_exporter' | 'glances' | 'netdata';
export const SUBJECT_NAMES: readonly SubjectName[] = ['vigil', 'node_exporter', 'glances', 'netdata'];

/** How to start a subject and how the harness drives it. */
export interface Launch {
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  port?: number;
  /** Read stdout as one JSON frame per line, with `durationMs`. */
  frames?: boolean;
  /** Ready when this URL answers 200 (otherwise: at the first frame). */
  readyUrl?: string;
  /** GET once per second from readiness to the end of the window: for a pull-based peer the scrape IS the collection. */
  pollUrl?: string;
  /** Pulls a sanity figure out of a poll's body (glances: seconds since its previous collection). */
  inspectPoll?: (body: string) => number | undefined;
  /** Set for the vigil stand-in, so its figures are never taken for vigil's. */
  standIn?: boolean;
}

export interface SubjectContext {
  repoRoot: string;
  /** A scratch directory of this run (removed at the end), for peer configs and state. */
  workDir: string;
  forceStandIn: boolean;
}

export interface Subject {
  name: SubjectName;
  /** Debian packages to install if missing (--no-install-recommends). */
  debPackages: string[];
  launch(ctx: SubjectContext): Launch;
}

/**
 * Environment for the peers: any HTTP(S) request a peer makes by itself (glances' PyPI version check and public-IP
 * lookup, netdata's helper scripts using curl) goes to a dead loopback proxy, on top of the config switches, so
 * nothing leaves the machine even if a switch is missed. DO_NOT_TRACK/DISABLE_TELEMETRY are netdata's telemetry opt-outs.
 */
function peerEnv(): NodeJS.ProcessEnv {
  const deadProxy = 'http://127.0.0.1:9';
  return {
    ...process.env,
    http_proxy: deadProxy,
    https_proxy: deadProxy,
    HTTP_PROXY: deadProxy,
    HTTPS_PROXY: deadProxy,
    no_proxy: '127.0.0.1,localhost',
    NO_PROXY: '127.0.0.1,localhost',
    DO_NOT_TRACK: '1',
    DISABLE_TELEMETRY: '1',
  };
}

/** Sets `key = value` in `[section]` of an INI text, adding the line or the section when missing. */
export function setIni(text: string, section: string, key: string, value: string): string {
  const lines = text.split('\n');
  const header = lines.findIndex((l) => l.trim() === `[${section}]`);
  if (header < 0) return `${text.replace(/\n*$/, '\n')}\n[${section}]\n${key}=${value}\n`;
  let end = lines.findIndex((l, i) => i > header && /^\s*\[/.test(l));
  if (end < 0) end = lines.length;
  const keyRe = new RegExp(`^\\s*${key}\\s*=`);
  const at = lines.findIndex((l, i) => i > header && i < end && keyRe.test(l));
  if (at >= 0) lines[at] = `${key}=${value}`;
  else lines.splice(header + 1, 0, `${key}=${value}`);
  return lines.join('\n');
}

const vigil: Subject = {
  name: 'vigil',
  debPackages: [],
  launch(ctx) {
    const real = !ctx.forceStandIn && existsSync(join(ctx.repoRoot, 'apps/cli/bin/vigil.mjs'));
    const [cmd, ...args] = real ? VIGIL_COMMAND : VIGIL_STAND_IN_COMMAND;
    // The same Node that runs the harness, whatever `node` is first on PATH.
    return { command: cmd === 'node' ? process.execPath : (cmd as string), args, cwd: ctx.repoRoot, frames: true, standIn: !real };
  },
};

const nodeExporter: Subject = {
  name: 'node_exporter',
  debPackages: ['prometheus-node-exporter'],
  launch() {
    const port = PORTS.node_exporter;
    return {
      command: '/usr/bin/prometheus-node-exporter',
      args: [
        `--web.listen-address=127.0.0.1:${port}`,
        // Off by default, but it is the collector that walks every /proc/<pid> (process and thread counts by state):
        // without it node_exporter does no per-process work at all and the comparison would be empty.
        '--collector.processes',
        // No systemd runs here: the collector would only fail and log an error on every scrape.
        '--no-collector.systemd',
      ],
      env: peerEnv(),
      port,
      readyUrl: `http://127.0.0.1:${port}/metrics`,
      pollUrl: `http://127.0.0.1:${port}/metrics`,
    };
  },
};

/**
 * glances 3.3 (Debian 12) is run as its REST server, polled at /api/3/all once per second. Why this mode:
 * - Each plugin has its own refresh timer, re-armed when its update ENDS. With `-t 1` a loop that ticks every second
 *   finds the timer a few ms short and skips: in `--stdout`/`--stdout-json` (and in curses) mode the process list is
 *   really refreshed only every 2 s (seen here: time_since_update = 2.0). The same happens in server mode with `-t 1`.
 * - In server mode `--cached-time 0` makes every request collect, and `-t 0.5` keeps the plugin timers from ever
 *   skipping a 1 s poll, so the harness's poll clock sets exactly one full collection per second (checked on every
 *   run: secondsBetweenCollections ~ 1.0). It also hands all the data to a client, as vigil's frames and
 *   node_exporter's scrape do.
 * Server mode needs python3-bottle, which --no-install-recommends leaves out, so it is listed explicitly.
 */
const glances: Subject = {
  name: 'glances',
  debPackages: ['glances', 'python3-bottle'],
  launch(ctx) {
    const port = PORTS.glances;
    const stock = '/etc/glances/glances.conf';
    let conf = existsSync(stock) ? readFileSync(stock, 'utf8') : '';
    conf = setIni(conf, 'global', 'check_update', 'false'); // no PyPI request at start
    conf = setIni(conf, 'ip', 'disable', 'True');
    conf = setIni(conf, 'ip', 'public_ip_disabled', 'True'); // no public-IP web services
    conf = setIni(conf, 'ports', 'disable', 'True'); // its scanner connects to the default gateway: off-machine traffic
    conf = setIni(conf, 'cloud', 'disable', 'True'); // cloud metadata lives at 169.254.169.254
    const confPath = join(ctx.workDir, 'glances.conf');
    writeFileSync(confPath, conf);
    return {
      command: '/usr/bin/glances',
      args: [
        '-C',
        confPath,
        '-w',
        '--disable-webui',
        '-B',
        '127.0.0.1',
        '-p',
        String(port),
        '-t',
        '0.5',
        '--cached-time',
        '0',
        '--disable-check-update',
        '--disable-autodiscover',
      ],
      env: peerEnv(),
      port,
      readyUrl: `http://127.0.0.1:${port}/api/3/now`,
      pollUrl: `http://127.0.0.1:${port}/api/3/all`,
      inspectPoll(body) {
        const all = JSON.parse(body) as { processlist?: Array<{ time_since_update?: number }> };
        return all.processlist?.[0]?.time_since_update;
      },
    };
  },
};

/**
 * netdata 1.37 (Debian 12) in the foreground with a config of our own: loopback only, every file in the run's scratch
 * directory, and its default 1 s update. Debian builds it without Netdata Cloud (buildinfo: "Netdata Cloud: NO"),
 * the registry is off, telemetry is opted out (file + environment), alarm notifications go to /bin/true and the
 * statsd listener (fixed port 8125, nothing sends to it here) is off. All plugins stay at their defaults and are
 * counted (apps.plugin walks every process each second).
 */
const netdata: Subject = {
  name: 'netdata',
  debPackages: ['netdata'],
  launch(ctx) {
    const port = PORTS.netdata;
    const dir = join(ctx.workDir, 'netdata');
    const sub = (name: string): string => {
      const p = join(dir, name);
      mkdirSync(p, { recursive: true });
      return p;
    };
    const etc = sub('etc');
    writeFileSync(join(etc, '.opt-out-from-anonymous-statistics'), '');
    const conf = [
      '[global]',
      `\trun as user = ${userInfo().username}`,
      '\tweb files owner = root',
      '\tweb files group = root',
      '[directories]',
      `\tconfig = ${etc}`,
      `\tcache = ${sub('cache')}`,
      `\tlib = ${sub('lib')}`,
      `\tlog = ${sub('log')}`,
      `\tlock = ${sub('lock')}`,
      '[logs]',
      '\tdebug log = none',
      `\terror log = ${join(dir, 'log', 'error.log')}`,
      '\taccess log = none',
      '[web]',
      `\tbind to = 127.0.0.1:${port}`,
      '[registry]',
      '\tenabled = no',
      '[health]',
      '\tscript to execute on alarm = /bin/true',
      '[statsd]',
      '\tenabled = no',
      '',
    ].join('\n');
    const confPath = join(dir, 'netdata.conf');
    writeFileSync(confPath, conf);
    return {
      command: '/usr/sbin/netdata',
      args: ['-D', '-c', confPath],
      env: peerEnv(),
      port,
      readyUrl: `http://127.0.0.1:${port}/api/v1/info`,
    };
  },
};

export const SUBJECTS: readonly Subject[] = [vigil, nodeExporter, glances, netdata];
