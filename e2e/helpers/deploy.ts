import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root, and what deploy/ and the build give. */
export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const INSTALL_SH = join(REPO, 'deploy/install.sh');
export const AGENT_UNIT = join(REPO, 'deploy/systemd/vigil-agent.service');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (never throws on a non-zero exit). */
export function run(
  file: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd: options.cwd, env: options.env ?? process.env, timeout: options.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Whether a program is in PATH. */
export async function has(program: string): Promise<boolean> {
  return (await run('sh', ['-c', `command -v ${program}`])).code === 0;
}

/** A PATH with node's own folder and the system's, and nothing of the repository (no node_modules/.bin). */
export const BARE_PATH = `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`;

/** A file's permission bits, e.g. 0o640. */
export function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

/** Parses an environment file (systemd's EnvironmentFile=): KEY=VALUE lines, # comments. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) out[match[1] as string] = match[2] as string;
  }
  return out;
}

/** The value of a key of a unit file (the last one, as systemd reads it). */
export function unitValue(unit: string, key: string): string | undefined {
  return [...unit.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].at(-1)?.[1];
}

/** Starts an agent process; `stop` ends it with SIGTERM (as systemd does) and gives its exit code. */
export function startProcess(
  file: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): { child: ChildProcess; output: () => string; stop: () => Promise<number | null> } {
  const child = spawn(file, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
