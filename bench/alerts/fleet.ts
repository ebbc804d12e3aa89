/**
 * A simulated fleet built on real frames of this machine: each host has a role (web, app, db, cache), its own
 * hardware (cores, memory, volumes, interfaces), its own levels, and maybe one incident during the run (a CPU spike,
 * a memory leak, a disk filling up, a crashed service, ...). Most hosts stay quiet; a few percent sit near or over a
 * threshold, as in a real fleet. Deterministic: the same seed gives the same fleet and the same frames.
 */
import type { Frame, ProcessInfo, SystemReading } from '@vigil/schema';
import { PROTOCOL_VERSION } from '@vigil/schema';

/** mulberry32: a small seeded PRNG, so runs can be compared. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Role = 'web' | 'app' | 'db' | 'cache';
export const INCIDENTS = [
  'cpu',
  'memory',
  'disk',
  'closeWait',
  'zombies',
  'crash',
  'javaHog',
  'network',
  'forks',
  'io',
  'offline',
] as const;
type IncidentKind = (typeof INCIDENTS)[number];

interface Incident {
  kind: IncidentKind;
  /** Simulated seconds, end excluded. */
  start: number;
  end: number;
}

type Cpu = NonNullable<SystemReading['cpu']>;
type Filesystem = NonNullable<SystemReading['filesystems']>[number];
type Nic = NonNullable<SystemReading['network']>[number];
type Kernel = NonNullable<SystemReading['kernel']>;

/** One simulated host: identity, hardware, usual levels, and running counters. */
export interface Host {
  id: string;
  index: number;
  role: Role;
  tags: string[];
  cores: number;
  memoryTotalBytes: number;
  swapTotalBytes: number;
  cpuLevel: number;
  memoryLevel: number;
  rootLevel: number;
  dataLevel: number;
  eth0RxBytesPerSecond: number;
  rxErrorsPerSecond: number;
  stealPercent: number;
  established: number;
  timeWait: number;
  uptimeAtStart: number;
  incident: Incident | null;
  processes: ProcessInfo[];
  rnd: () => number;
  seq: number;
  counters: {
    rx: number;
    tx: number;
    rxPackets: number;
    txPackets: number;
    forks: number;
    switches: number;
    ioFull: number;
    written: number;
  };
}

const GB = 1024 ** 3;
const ROLES: readonly Role[] = ['web', 'web', 'web', 'web', 'app', 'app', 'app', 'db', 'db', 'cache'];
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
const pick = <T>(rnd: () => number, items: readonly T[]): T => items[Math.floor(rnd() * items.length)] as T;

/** A level that is usually `low..high`, and in `share` of hosts `hotLow..hotHigh` (near or over a threshold). */
function level(rnd: () => number, low: number, high: number, share: number, hotLow: number, hotHigh: number): number {
  return rnd() < share ? hotLow + rnd() * (hotHigh - hotLow) : low + rnd() * (high - low);
}

/** The processes a host of this role runs: the captured ones, some renamed to its services. */
function hostProcesses(
  template: readonly ProcessInfo[],
  host: Pick<Host, 'role' | 'cores' | 'memoryTotalBytes'>,
  rnd: () => number,
): ProcessInfo[] {
  const services: { name: string; rssBytes: number; cpuPercent: number }[] = [];
  if (rnd() > 0.005) services.push({ name: 'sshd', rssBytes: 8e6, cpuPercent: 0 });
  services.push({ name: 'systemd-journald', rssBytes: 40e6, cpuPercent: 0.2 }, { name: 'cron', rssBytes: 3e6, cpuPercent: 0 });
  if (host.role === 'web')
    for (let i = 0; i <= host.cores; i++) services.push({ name: 'nginx', rssBytes: 20e6 + rnd() * 30e6, cpuPercent: 2 + rnd() * 10 });
  if (host.role === 'app')
    services.push({ name: rnd() < 0.8 ? 'java' : 'jsvc', rssBytes: level(rnd, 1, 3.5, 0.04, 4.2, 6) * GB, cpuPercent: 10 + rnd() * 50 });
  if (host.role === 'db')
    for (let i = 0; i < 8; i++)
      services.push({ name: 'postgres', rssBytes: (i === 0 ? 2 : 0.2) * GB * (0.5 + rnd()), cpuPercent: rnd() * 15 });
  if (host.role === 'cache')
    services.push({ name: 'redis-server', rssBytes: level(rnd, 0.3, 1.8, 0.04, 2.1, 3.5) * GB, cpuPercent: 5 + rnd() * 20 });
  const out = template.map((p) => ({ ...p }));
  let slot = 0;
  for (const s of services) {
    while (slot < out.length && (out[slot] as ProcessInfo).kernelThread) slot++;
    const p = slot < out.length ? (out[slot] as ProcessInfo) : ({ ...(template[0] as ProcessInfo), pid: 900_000 + slot } as ProcessInfo);
    if (slot >= out.length) out.push(p);
    slot++;
    p.name = s.name;
    p.cmdline = s.name;
    p.memoryRssBytes = Math.round(s.rssBytes / 4096) * 4096;
    p.memoryPercent = (p.memoryRssBytes / host.memoryTotalBytes) * 100;
    p.cpuPercent = s.cpuPercent;
  }
  return out;
}

/** Builds `count` hosts for a run of `seconds` simulated seconds (incidents start anywhere in it), on a captured frame. */
export function buildFleet(count: number, seconds: number, template: Frame, seed: number): Host[] {
  const hosts: Host[] = [];
  const counters = template.system.kernel;
  for (let index = 0; index < count; index++) {
    const rnd = seededRandom(seed * 1_000_003 + index);
    const role = ROLES[index % ROLES.length] as Role;
    const cores = pick(rnd, role === 'db' ? [8, 16, 32] : role === 'web' ? [2, 4, 4, 8] : [4, 8, 16]);
    const memoryTotalBytes = pick(rnd, [4, 8, 16, 32, 64]) * GB * (role === 'db' ? 2 : 1);
    // About one host in ten has an incident during the run, at a random moment, for 5 to 45 s.
    const kind = rnd() < 0.1 ? pick(rnd, INCIDENTS) : null;
    const start = Math.floor(rnd() * seconds);
    const incident = kind ? { kind, start, end: start + 5 + Math.floor(rnd() * 40) } : null;
    const host: Host = {
      id: `${role}-${String(index).padStart(4, '0')}`,
      index,
      role,
      tags: [role, rnd() < 0.8 ? 'prod' : 'staging'],
      cores,
      memoryTotalBytes,
      swapTotalBytes: rnd() < 0.5 ? 2 * GB : 0,
      cpuLevel: level(rnd, 3, 55, 0.015, 68, 88),
      memoryLevel: level(rnd, 25, 75, 0.015, 86, 93),
      rootLevel: level(rnd, 15, 70, 0.02, 77, 86),
      dataLevel: level(rnd, 20, 65, 0.05, 72, 80),
      eth0RxBytesPerSecond: level(rnd, 1e5, 2e7, 0.01, 9e7, 1.2e8),
      rxErrorsPerSecond: rnd() < 0.01 ? 0.5 + rnd() * 2 : 0,
      stealPercent: rnd() < 0.005 ? 8 + rnd() * 8 : 0,
      established: role === 'web' ? 200 + rnd() * 1800 : 20 + rnd() * 300,
      timeWait: role === 'web' ? level(rnd, 100, 2500, 0.02, 4500, 6000) : rnd() * 200,
      uptimeAtStart: rnd() < 0.005 ? 540 + rnd() * 40 : 86_400 * (1 + rnd() * 200),
      incident,
      processes: [],
      rnd,
      seq: 0,
      counters: {
        rx: rnd() * 1e12,
        tx: rnd() * 1e12,
        rxPackets: rnd() * 1e9,
        txPackets: rnd() * 1e9,
        forks: counters?.forksTotal ?? 0,
        switches: counters?.contextSwitchesTotal ?? 0,
        ioFull: counters?.pressure.io?.full?.totalMicroseconds ?? 0,
        written: rnd() * 1e13,
      },
    };
    host.processes = hostProcesses(template.processes, host, rnd);
    hosts.push(host);
  }
  return hosts;
}

/** Whether a host is in its incident of `kind` at `second`, and how far into it (0..1). */
function during(host: Host, kind: IncidentKind, second: number): number | null {
  const i = host.incident;
  if (!i || i.kind !== kind || second < i.start || second >= i.end) return null;
  return (second - i.start + 1) / (i.end - i.start);
}

/** Whether the host sends nothing at `second` (an offline incident). */
export function isOffline(host: Host, second: number): boolean {
  return during(host, 'offline', second) !== null;
}

function cpuOf(template: Cpu, host: Host, usage: number, iowait: number, steal: number): Cpu {
  const rnd = host.rnd;
  const times = (u: number) => {
    const io = clamp(iowait + (rnd() - 0.5) * 2, 0, 100 - u);
    return {
      usagePercent: u,
      userPercent: u * 0.78,
      nicePercent: 0,
      systemPercent: u * 0.17,
      idlePercent: 100 - u - io,
      iowaitPercent: io,
      irqPercent: 0,
      softirqPercent: u * 0.05,
      stealPercent: steal,
      guestPercent: 0,
    };
  };
  const cores = [];
  for (let c = 0; c < host.cores; c++) {
    const base = template.cores[c % template.cores.length] as Cpu['cores'][number];
    cores.push({ ...base, cpu: c, times: times(clamp(usage + (rnd() - 0.5) * 12, 0, 100)) });
  }
  return { ...template, logicalCount: host.cores, onlineCount: host.cores, physicalCount: host.cores, total: times(usage), cores };
}

function filesystem(template: Filesystem, device: string, mountpoint: string, sizeBytes: number, usedPercent: number): Filesystem {
  const usedBytes = Math.round((sizeBytes * usedPercent) / 100);
  return { ...template, device, mountpoint, sizeBytes, usedBytes, freeBytes: sizeBytes - usedBytes, usedPercent };
}

/** The frame `host` sends at simulated `second`, collected at `ts`: the template's shape with this host's numbers. */
export function frameOf(host: Host, template: Frame, second: number, ts: number): Frame {
  const rnd = host.rnd;
  const s = template.system;
  const noise = (amplitude: number) => (rnd() - 0.5) * 2 * amplitude;
  const cpuSpike = during(host, 'cpu', second);
  const io = during(host, 'io', second);
  const usage = clamp(cpuSpike !== null ? 92 + rnd() * 7 : host.cpuLevel + noise(3), 0, 100);
  const iowait = io !== null ? 25 + rnd() * 25 : rnd() * 2;
  const leak = during(host, 'memory', second);
  const memoryPercent = clamp(leak !== null ? host.memoryLevel + (98 - host.memoryLevel) * leak : host.memoryLevel + noise(0.3), 1, 99.5);
  const usedBytes = Math.round((host.memoryTotalBytes * memoryPercent) / 100);
  const fill = during(host, 'disk', second);
  const rootPercent = clamp(fill !== null ? host.rootLevel + 18 * fill : host.rootLevel + noise(0.05), 0, 100);
  const burst = during(host, 'network', second);
  const rx = burst !== null ? 1.5e8 + rnd() * 4.5e8 : host.eth0RxBytesPerSecond * (0.8 + rnd() * 0.4);
  const tx = rx * (host.role === 'web' ? 1.5 : 0.4);
  const c = host.counters;
  c.rx += rx;
  c.tx += tx;
  c.rxPackets += rx / 900;
  c.txPackets += tx / 900;
  const forks = during(host, 'forks', second) !== null ? 800 + rnd() * 2500 : 5 + rnd() * 40;
  c.forks += Math.round(forks);
  const switches = 2500 * host.cores * (0.5 + usage / 50);
  c.switches += Math.round(switches);
  const ioFull = io !== null ? 350_000 + rnd() * 350_000 : rnd() * 20_000;
  c.ioFull += Math.round(ioFull);
  const written = io !== null ? 1.2e8 + rnd() * 2e8 : rnd() * 5e6;
  c.written += Math.round(written);

  const nic = (base: Nic, name: string, scale: number, totals: { rx: number; tx: number; rxp: number; txp: number }): Nic => ({
    ...base,
    interface: name,
    rxBytesPerSecond: rx * scale,
    txBytesPerSecond: tx * scale,
    rxPacketsPerSecond: (rx * scale) / 900,
    txPacketsPerSecond: (tx * scale) / 900,
    rxErrorsPerSecond: name === 'eth0' ? host.rxErrorsPerSecond * (rnd() * 2) : 0,
    rxBytesTotal: Math.round(totals.rx),
    txBytesTotal: Math.round(totals.tx),
    rxPacketsTotal: Math.round(totals.rxp),
    txPacketsTotal: Math.round(totals.txp),
  });
  const nicTemplate = (s.network?.[0] ?? {}) as Nic;
  const network = [
    nic(nicTemplate, 'lo', 0.1, { rx: c.rx / 10, tx: c.rx / 10, rxp: c.rxPackets / 10, txp: c.rxPackets / 10 }),
    nic(nicTemplate, 'eth0', 1, { rx: c.rx, tx: c.tx, rxp: c.rxPackets, txp: c.txPackets }),
  ];
  if (host.role === 'db' || host.role === 'app')
    network.push(nic(nicTemplate, 'eth1', 0.2, { rx: c.rx / 5, tx: c.tx / 5, rxp: c.rxPackets / 5, txp: c.txPackets / 5 }));

  const fsTemplate = (s.filesystems?.[0] ?? {}) as Filesystem;
  const filesystems = [
    filesystem(fsTemplate, '/dev/vda1', '/', 100 * GB, rootPercent),
    filesystem(fsTemplate, '/dev/vda15', '/boot/efi', 0.12 * GB, 6.1),
  ];
  if (host.role === 'db')
    filesystems.push(filesystem(fsTemplate, '/dev/vdb', '/var/lib/postgresql', 2000 * GB, host.dataLevel + noise(0.05)));
  if (host.role === 'app') filesystems.push(filesystem(fsTemplate, '/dev/vdb', '/data', 500 * GB, host.dataLevel));
  const diskTemplate = s.disks?.[0];
  const disks = diskTemplate
    ? [
        {
          ...diskTemplate,
          device: 'vda',
          writeBytesPerSecond: written,
          writesPerSecond: written / 16_384,
          readsPerSecond: host.role === 'db' && io !== null ? 2500 + rnd() * 3000 : rnd() * 200,
          utilPercent: io !== null ? 90 + rnd() * 9 : rnd() * 30,
          writeBytesTotal: Math.round(c.written),
        },
      ]
    : [];

  const waits = during(host, 'closeWait', second);
  const tcp: Record<string, number> = {
    LISTEN: 12,
    ESTABLISHED: Math.round(host.established * (0.9 + rnd() * 0.2)),
    TIME_WAIT: Math.round(host.timeWait * (0.9 + rnd() * 0.2)),
    CLOSE_WAIT: waits !== null ? Math.round(30 + 300 * waits) : Math.floor(rnd() * 4),
  };
  if (host.role === 'web') tcp.SYN_RECV = Math.floor(rnd() * 8);
  const kernelTemplate = s.kernel as Kernel;
  const kernel: Kernel | undefined = kernelTemplate && {
    ...kernelTemplate,
    contextSwitchesPerSecond: switches,
    forksPerSecond: forks,
    procsRunning: Math.max(1, Math.round((usage / 100) * host.cores)),
    procsBlocked: io !== null ? 12 + Math.floor(rnd() * 30) : Math.floor(rnd() * 2),
    contextSwitchesTotal: c.switches,
    forksTotal: c.forks,
    pressure: {
      ...kernelTemplate.pressure,
      cpu: kernelTemplate.pressure.cpu && {
        ...kernelTemplate.pressure.cpu,
        some: { ...kernelTemplate.pressure.cpu.some, avg10: cpuSpike !== null ? 60 + rnd() * 30 : (usage / 100) * 30 },
      },
      io: kernelTemplate.pressure.io && {
        ...kernelTemplate.pressure.io,
        some: { ...kernelTemplate.pressure.io.some, avg10: io !== null ? 45 + rnd() * 40 : rnd() * 3 },
        full: kernelTemplate.pressure.io.full && { ...kernelTemplate.pressure.io.full, totalMicroseconds: c.ioFull },
      },
    },
  };
  const load1 = (usage / 100) * host.cores * (cpuSpike !== null ? 2.5 : 1.1) + (io !== null ? 10 : 0);
  const zombies = during(host, 'zombies', second) !== null ? 3 + Math.floor(rnd() * 25) : 0;
  const swapUsed = host.swapTotalBytes > 0 && leak !== null && leak > 0.5 ? host.swapTotalBytes * (leak - 0.3) : 0;

  const crashed =
    during(host, 'crash', second) !== null ? (host.role === 'web' ? 'nginx' : host.role === 'db' ? 'postgres' : 'sshd') : null;
  const hog = during(host, 'javaHog', second);
  const processes: ProcessInfo[] = [];
  for (const p of host.processes) {
    if (p.name === crashed) continue;
    const cpu = hog !== null && (p.name === 'java' || p.name === 'jsvc') ? 180 + rnd() * 150 : (p.cpuPercent ?? 0) * (0.5 + rnd());
    processes.push({ ...p, cpuPercent: cpu, memoryRssBytes: Math.round((p.memoryRssBytes * (0.98 + rnd() * 0.04)) / 4096) * 4096 });
  }

  const system: SystemReading = {
    ...s,
    uptime: s.uptime && { ...s.uptime, uptimeSeconds: host.uptimeAtStart + second },
    cpu: s.cpu && cpuOf(s.cpu, host, usage, iowait, host.stealPercent),
    load: { load1, load5: load1 * 0.9, load15: load1 * 0.8 },
    memory: s.memory && {
      ...s.memory,
      totalBytes: host.memoryTotalBytes,
      usedBytes,
      availableBytes: host.memoryTotalBytes - usedBytes,
      freeBytes: Math.round((host.memoryTotalBytes - usedBytes) * 0.4),
      usedPercent: memoryPercent,
    },
    swap: s.swap && {
      ...s.swap,
      totalBytes: host.swapTotalBytes,
      usedBytes: swapUsed,
      freeBytes: host.swapTotalBytes - swapUsed,
      usedPercent: host.swapTotalBytes > 0 ? (swapUsed / host.swapTotalBytes) * 100 : 0,
    },
    filesystems,
    disks,
    network,
    sockets: { tcp, tcpTotal: Object.values(tcp).reduce((a, b) => a + b, 0), udpTotal: 8 },
    kernel,
    processes: s.processes && { ...s.processes, total: s.processes.total + host.cores * 20, zombie: zombies },
  };
  return {
    v: PROTOCOL_VERSION,
    type: 'frame',
    seq: host.seq++,
    ts,
    durationMs: template.durationMs,
    system,
    processes,
    processesComplete: false,
    collectors: template.collectors,
  };
}
