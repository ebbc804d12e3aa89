/** Installs the Debian packages a benchmark peer needs, reporting (not throwing) when that is impossible. */
import { execFile } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type EnsureResult = { ok: true; installed: string[] } | { ok: false; reason: string };

/** True when dpkg reports the package as fully installed. */
export async function isDebInstalled(pkg: string): Promise<boolean> {
  try {
    // dpkg-query's own field syntax, not a JS template.
    const { stdout } = await run('dpkg-query', ['-W', `-f=\${Status}`, pkg]);
    return stdout.trim() === 'install ok installed';
  } catch {
    return false;
  }
}

function lastLines(text: string, n = 3): string {
  return text.trim().split('\n').slice(-n).join(' | ');
}

const POLICY_RC_D = '/usr/sbin/policy-rc.d';

async function aptGet(args: string[]): Promise<void> {
  await run('apt-get', args, {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    timeout: 600_000,
    maxBuffer: 64 * 1024 * 1024,
  });
}

/**
 * Makes sure `pkgs` are installed, with `apt-get install -y --no-install-recommends` (after one `apt-get update`
 * if the first try fails, since a fresh machine may have no package lists). Never throws.
 */
export async function ensureDebPackages(pkgs: readonly string[], opts: { allowInstall: boolean }): Promise<EnsureResult> {
  const missing: string[] = [];
  for (const p of pkgs) if (!(await isDebInstalled(p))) missing.push(p);
  if (missing.length === 0) return { ok: true, installed: [] };
  if (!opts.allowInstall) return { ok: false, reason: `not installed: ${missing.join(', ')} (installing disabled)` };
  if (process.getuid?.() !== 0) return { ok: false, reason: `not installed: ${missing.join(', ')} (need root to install)` };

  // Without systemd, the packages' maintainer scripts would start system-wide daemons through their init scripts
  // (node_exporter on every interface, netdata on :19999) that would then skew every measurement. Debian's
  // policy-rc.d hook (exit 101 = "action forbidden") stops that; we only add it when none exists and remove it after.
  const addPolicy = !existsSync(POLICY_RC_D);
  if (addPolicy) writeFileSync(POLICY_RC_D, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    const install = ['install', '-y', '--no-install-recommends', ...missing];
    try {
      await aptGet(install);
    } catch {
      await aptGet(['update']);
      await aptGet(install);
    }
  } catch (err) {
    const e = err as { stderr?: string; message?: string };
    return { ok: false, reason: `apt-get install ${missing.join(' ')} failed: ${lastLines(e.stderr || e.message || String(err))}` };
  } finally {
    if (addPolicy) rmSync(POLICY_RC_D, { force: true });
  }
  return { ok: true, installed: missing };
}
