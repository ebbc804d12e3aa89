import { readFileSync } from 'node:fs';
import { type Frame, HostSnapshot, type ProcessInfo } from '@vigil/schema';
import type { AlertStore } from '../store/alerts.ts';
import type { SqliteStorage } from '../store/tsdb/index.ts';
import type { ReportHostInfo } from './model.ts';

/**
 * A known dataset for the report tests: two hosts, four hours of frames every 5 s, every value at the store's
 * precision (0.01 % and whole bytes) so that what a test computes from the plan is what the store holds.
 * - db-1 is in trouble: memory above 90 % for the last three hours while leaky-java grows from 1 to 6 GiB,
 *   /var filling at 24 % a day, and a noisy alert rule;
 * - web-1 is healthy: nothing in its data calls for a recommendation.
 */
const fixture = HostSnapshot.parse(
  JSON.parse(readFileSync(new URL('../../../agent/test/fixtures/server-4cpu/expected.json', import.meta.url), 'utf8')),
);

export const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);
export const HOURS = 4;
export const INTERVAL_MS = 5000;
export const FRAMES = (HOURS * 3_600_000) / INTERVAL_MS;
/** The moment the report is made: the end of the dataset. */
export const NOW = T0 + HOURS * 3_600_000;
const GIB = 1024 ** 3;

const r2 = (v: number) => Math.round(v * 100) / 100;
/** A deterministic wobble in [-1, 1]. */
const wobble = (i: number, k: number) => Math.sin(i * 0.37 + k) * 0.6 + Math.sin(i * 0.051 + 2 * k) * 0.4;

export interface ProcessPlan {
  pid: number;
  name: string;
  cpu: (i: number) => number;
  rss: (i: number) => number;
  io: (i: number) => number;
}

export interface HostPlan {
  id: string;
  cpu: (i: number) => number;
  memory: (i: number) => number;
  load: (i: number) => number;
  disks: { mountpoint: string; used: (i: number) => number }[];
  /** Per interface (lo included: the report leaves it out). */
  network: { iface: string; rx: (i: number) => number; tx: (i: number) => number }[];
  processes: ProcessPlan[];
}

const proc = (
  pid: number,
  name: string,
  cpu: ProcessPlan['cpu'],
  rss: ProcessPlan['rss'],
  io: ProcessPlan['io'] = () => 0,
): ProcessPlan => ({
  pid,
  name,
  cpu,
  rss,
  io,
});

export const PLANS: HostPlan[] = [
  {
    id: 'db-1',
    cpu: (i) => r2(45 + 15 * wobble(i, 1)),
    // 70 → 80 % in the first hour, then 92 → 96 % for three hours.
    memory: (i) => r2(i < 720 ? 70 + (10 * i) / 720 : 92 + (4 * (i - 720)) / 2160),
    load: (i) => r2(2 + wobble(i, 2)),
    disks: [
      { mountpoint: '/', used: () => 40 },
      { mountpoint: '/var', used: (i) => r2(80 + (4 * i) / FRAMES) },
    ],
    network: [
      { iface: 'lo', rx: () => 5_000_000, tx: () => 5_000_000 },
      { iface: 'eth0', rx: (i) => Math.round(1_000_000 + 400_000 * wobble(i, 3)), tx: (i) => Math.round(200_000 + 50_000 * wobble(i, 4)) },
      { iface: 'eth1', rx: (i) => 1000 + (i % 7) * 100, tx: () => 500 },
    ],
    processes: [
      proc(
        4242,
        'leaky-java',
        (i) => 30 + (i % 10),
        (i) => Math.round(GIB + (5 * GIB * i) / FRAMES),
      ),
      proc(
        900,
        'postgres',
        (i) => 10 + (i % 3),
        () => 2 * GIB,
        (i) => 3_000_000 + (i % 5) * 1000,
      ),
      proc(
        77,
        'backup',
        () => 2,
        () => 50_000_000,
        () => 50_000_000,
      ),
    ],
  },
  {
    id: 'web-1',
    cpu: (i) => r2(25 + 15 * wobble(i, 5)),
    memory: (i) => r2(42 + 3 * wobble(i, 6)),
    load: (i) => r2(0.5 + 0.3 * wobble(i, 7)),
    disks: [{ mountpoint: '/', used: () => 30 }],
    network: [
      { iface: 'eth0', rx: (i) => Math.round(300_000 + 100_000 * wobble(i, 8)), tx: (i) => Math.round(900_000 + 300_000 * wobble(i, 9)) },
    ],
    processes: [
      proc(
        1200,
        'nginx',
        (i) => 8 + (i % 4),
        () => 120_000_000,
        () => 10_000,
      ),
      proc(
        1300,
        'node',
        (i) => 12 + (i % 5),
        () => 400_000_000,
      ),
    ],
  },
];

function frameOf(plan: HostPlan, i: number): Frame {
  const base = fixture.frame;
  const s = base.system;
  const template = base.processes[0] as ProcessInfo;
  const fs0 = s.filesystems?.[0] as NonNullable<typeof s.filesystems>[number];
  const nic0 = s.network?.[1] as NonNullable<typeof s.network>[number];
  return {
    ...base,
    seq: i,
    ts: T0 + i * INTERVAL_MS,
    system: {
      uptime: s.uptime,
      cpu: s.cpu && {
        ...s.cpu,
        total: s.cpu.total && { ...s.cpu.total, usagePercent: plan.cpu(i) },
        // Per-core series are kept too; the report must read the total only.
        cores: s.cpu.cores.map((c) => ({ ...c, times: c.times && { ...c.times, usagePercent: 99 } })),
      },
      load: { load1: plan.load(i), load5: 1, load15: 1 },
      memory: s.memory && { ...s.memory, usedPercent: plan.memory(i) },
      filesystems: plan.disks.map((d) => ({ ...fs0, mountpoint: d.mountpoint, usedPercent: d.used(i) })),
      network: plan.network.map((n) => ({ ...nic0, interface: n.iface, rxBytesPerSecond: n.rx(i), txBytesPerSecond: n.tx(i) })),
    },
    processes: plan.processes.map((p) => ({
      ...template,
      pid: p.pid,
      name: p.name,
      cmdline: `/usr/bin/${p.name}`,
      cpuPercent: p.cpu(i),
      memoryRssBytes: p.rss(i),
      ioReadBytesPerSecond: p.io(i),
      ioWriteBytesPerSecond: 0,
    })),
  };
}

/** Fills a store with the plans' frames, and the alert store with db-1's alerts: a rule that fired 12 times. */
export function seedDataset(storage: SqliteStorage, alerts?: AlertStore): ReportHostInfo[] {
  for (const plan of PLANS) for (let i = 0; i < FRAMES; i++) storage.append(plan.id, frameOf(plan, i));
  storage.flush();
  for (let k = 0; alerts && k < 12; k++) {
    const firedAt = T0 + 3_600_000 + k * 600_000;
    const a = alerts.openAlert({
      ruleId: 1,
      ruleName: 'Memory high',
      hostId: 'db-1',
      subject: 'memory_used_percent',
      state: 'pending',
      severity: 'warning',
      value: 93,
      threshold: 90,
      message: 'memory_used_percent is 93 (> 90)',
      startedAt: firedAt,
      firedAt: null,
      resolvedAt: null,
      resolvedBy: null,
      acknowledgedBy: null,
      acknowledgedAt: null,
      comment: null,
      silenced: false,
    });
    alerts.updateAlert({ ...a, state: 'firing', firedAt }, { from: 'pending', to: 'firing' }, firedAt);
    const resolvedAt = firedAt + 120_000;
    if (k < 11)
      alerts.updateAlert(
        { ...a, state: 'resolved', firedAt, resolvedAt, resolvedBy: 'cleared' },
        { from: 'firing', to: 'resolved' },
        resolvedAt,
      );
  }
  return PLANS.map((p) => ({ id: p.id, hostname: `${p.id}.example.net`, identity: fixture.host, status: 'online', lastSeen: NOW }));
}
