import { type Frame, METRICS } from '@vigil/schema';
import { describe, expect, it } from 'vitest';
import { hostsExposition, promName } from './prometheus.ts';

describe('promName', () => {
  it('ends counters in _total and never gauges', () => {
    for (const metric of METRICS.values()) {
      const { name, type } = promName(metric);
      expect(name).toMatch(/^vigil_[a-z0-9_]+$/);
      if (type === 'counter') expect(name).toMatch(/_total$/);
      else expect(name).not.toMatch(/_total$/);
    }
  });

  it('gives every catalogue metric its own name', () => {
    const names = [...METRICS.values()].map((m) => promName(m).name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('exposes microseconds as seconds', () => {
    expect(promName({ name: 'pressure_io_some_microseconds_total', kind: 'counter' })).toEqual({
      name: 'vigil_pressure_io_some_seconds_total',
      type: 'counter',
      scale: 1e-6,
    });
    expect(promName({ name: 'tcp_connections_total', kind: 'gauge' }).name).toBe('vigil_tcp_sockets');
    expect(promName({ name: 'processes_total', kind: 'gauge' }).name).toBe('vigil_processes');
  });
});

describe('hostsExposition', () => {
  const frame = (custom: Frame['custom'] = []) =>
    ({
      v: 1,
      type: 'frame',
      seq: 1,
      ts: 1,
      durationMs: 1,
      system: { load: { load1: 0.5, load5: 0.25, load15: 0.125 } },
      processes: [],
      processesComplete: false,
      collectors: {},
      custom,
    }) as unknown as Frame;

  it('escapes label values and groups each family once across hosts', () => {
    const text = hostsExposition([
      {
        id: 'a',
        hostname: 'we"ird\\name\nx',
        online: true,
        frame: frame([{ name: 'queue_depth', value: 7, labels: { q: 'in"box' } }]),
        lastSeen: 2000,
      },
      { id: 'b', hostname: 'b', online: true, frame: frame(), lastSeen: 3000 },
    ]);
    expect(text).toContain('vigil_load1{host="a",hostname="we\\"ird\\\\name\\nx"} 0.5');
    expect(text).toContain('vigil_load1{host="b",hostname="b"} 0.5');
    expect(text.match(/^# TYPE vigil_load1 gauge$/gm)).toHaveLength(1);
    expect(text).toContain('vigil_custom_queue_depth{host="a",hostname="we\\"ird\\\\name\\nx",q="in\\"box"} 7');
    expect(text).toContain('vigil_host_last_seen_timestamp_seconds{host="b",hostname="b"} 3');
  });

  it('keeps only up and last-seen for an offline host', () => {
    const text = hostsExposition([{ id: 'gone', hostname: 'gone', online: false, frame: frame(), lastSeen: 1000 }]);
    expect(text).toContain('vigil_host_up{host="gone",hostname="gone"} 0');
    expect(text).not.toContain('vigil_load1');
  });
});
