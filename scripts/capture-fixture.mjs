#!/usr/bin/env node
import { execFileSync } from 'node:child_process';
// Captures this host's /proc and /sys (the files Vigil's collectors read) into a fixture tree, twice, one
// interval apart, so that a fixture test can compute rates:
//
//   node scripts/capture-fixture.mjs apps/agent/test/fixtures/<name> [--interval-ms 1000]
//
// Layout: cycles/0/{proc,sys}, cycles/1/{proc,sys}, rootfs/{etc,run}, statfs.json, meta.json.
// Only socket links are kept of /proc/[pid]/fd (others would leak paths of this machine and add nothing).
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statfsSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const [out, ...rest] = process.argv.slice(2);
if (!out) {
  console.error('usage: capture-fixture.mjs OUTPUT_DIR [--interval-ms N]');
  process.exit(2);
}
const intervalIndex = rest.indexOf('--interval-ms');
const intervalMs = intervalIndex >= 0 ? Number(rest[intervalIndex + 1]) : 1000;

const PROC_FILES = [
  'stat',
  'cpuinfo',
  'loadavg',
  'uptime',
  'meminfo',
  'vmstat',
  'mounts',
  'filesystems',
  'diskstats',
  'net/dev',
  'net/tcp',
  'net/tcp6',
  'net/udp',
  'net/udp6',
  'pressure/cpu',
  'pressure/memory',
  'pressure/io',
  'sys/kernel/hostname',
  'sys/kernel/osrelease',
  'sys/kernel/arch',
];
const PID_FILES = ['stat', 'status', 'cmdline', 'io', 'cgroup'];

function copy(from, to) {
  try {
    const data = readFileSync(from);
    mkdirSync(dirname(to), { recursive: true });
    writeFileSync(to, data);
    return true;
  } catch {
    return false; // absent here, or not readable: the fixture simply lacks it, as the host does
  }
}

function listDir(path) {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

function captureSys(dest) {
  for (const name of ['online', 'present', 'possible']) copy(`/sys/devices/system/cpu/${name}`, join(dest, 'devices/system/cpu', name));
  for (const cpu of listDir('/sys/devices/system/cpu').filter((n) => /^cpu\d+$/.test(n))) {
    for (const f of ['scaling_cur_freq', 'cpuinfo_cur_freq', 'cpuinfo_min_freq', 'cpuinfo_max_freq']) {
      copy(`/sys/devices/system/cpu/${cpu}/cpufreq/${f}`, join(dest, 'devices/system/cpu', cpu, 'cpufreq', f));
    }
  }
  for (const chip of listDir('/sys/class/hwmon')) {
    for (const f of listDir(`/sys/class/hwmon/${chip}`).filter((n) => n === 'name' || n.startsWith('temp'))) {
      copy(`/sys/class/hwmon/${chip}/${f}`, join(dest, 'class/hwmon', chip, f));
    }
  }
  for (const zone of listDir('/sys/class/thermal').filter((n) => n.startsWith('thermal_zone'))) {
    for (const f of listDir(`/sys/class/thermal/${zone}`).filter((n) => n === 'type' || n === 'temp' || n.startsWith('trip_point_'))) {
      copy(`/sys/class/thermal/${zone}/${f}`, join(dest, 'class/thermal', zone, f));
    }
  }
  for (const dev of listDir('/sys/block')) mkdirSync(join(dest, 'block', dev), { recursive: true });
}

function captureProc(dest) {
  for (const f of PROC_FILES) copy(`/proc/${f}`, join(dest, f));
  for (const pid of listDir('/proc').filter((n) => /^\d+$/.test(n))) {
    if (Number(pid) === process.pid) continue;
    for (const f of PID_FILES) copy(`/proc/${pid}/${f}`, join(dest, pid, f));
    for (const fd of listDir(`/proc/${pid}/fd`)) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        if (!target.startsWith('socket:[')) continue;
        mkdirSync(join(dest, pid, 'fd'), { recursive: true });
        symlinkSync(target, join(dest, pid, 'fd', fd));
      } catch {}
    }
  }
}

function getconf(name) {
  return Number(execFileSync('getconf', [name], { encoding: 'utf8' }).trim());
}

mkdirSync(out, { recursive: true });
const started = Date.now();
captureProc(join(out, 'cycles/0/proc'));
captureSys(join(out, 'cycles/0/sys'));
const firstAt = Date.now();
await new Promise((resolve) => setTimeout(resolve, intervalMs - (Date.now() - started)));
const secondAt = Date.now();
captureProc(join(out, 'cycles/1/proc'));
captureSys(join(out, 'cycles/1/sys'));

for (const f of ['etc/os-release', 'etc/machine-id', 'etc/passwd', 'run/utmp']) copy(`/${f}`, join(out, 'rootfs', f));
if (!existsSync(join(out, 'rootfs/etc/os-release'))) copy('/usr/lib/os-release', join(out, 'rootfs/etc/os-release'));

const statfs = {};
for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
  const mountpoint = line.split(' ')[1]?.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(Number.parseInt(o, 8)));
  if (!mountpoint || statfs[mountpoint]) continue;
  try {
    const { bsize, blocks, bfree, bavail, files, ffree } = statfsSync(mountpoint);
    statfs[mountpoint] = { bsize, blocks, bfree, bavail, files, ffree };
  } catch {}
}
writeFileSync(join(out, 'statfs.json'), `${JSON.stringify(statfs, null, 2)}\n`);
writeFileSync(
  join(out, 'meta.json'),
  `${JSON.stringify(
    {
      capturedAt: new Date(firstAt).toISOString(),
      intervalMs: secondAt - firstAt,
      kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(),
      clockTicks: getconf('CLK_TCK'),
      pageSize: getconf('PAGESIZE'),
    },
    null,
    2,
  )}\n`,
);
console.log(`captured ${out} (${secondAt - firstAt} ms apart)`);
