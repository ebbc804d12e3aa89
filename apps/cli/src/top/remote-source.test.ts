import type { LiveServerMessage } from '@vigil/schema';
import { describe, expect, it } from 'vitest';
import { backoffMs, RemoteSource } from './remote-source.ts';
import { fakeFrame, fakeHost } from './testing.ts';

/** The source is driven through `receive`, as the socket would; nothing connects (start is never called). */
function source(host?: string) {
  return new RemoteSource({ hub: 'http://hub.example:7070', token: 't', host, canAct: true });
}
const send = (s: RemoteSource, message: LiveServerMessage) => s.receive(JSON.stringify(message));

describe('RemoteSource', () => {
  it('keeps the fleet in hostname order and shows the first online host', () => {
    const s = source();
    expect(s.current()).toMatchObject({ mode: 'remote', hostId: null, hostLabel: 'hub.example:7070', connection: { state: 'connecting' } });
    send(s, {
      type: 'fleet',
      full: true,
      hosts: [fakeHost('web-02'), fakeHost('db-01', { status: 'offline' }), fakeHost('web-01')],
      removed: [],
    });
    expect(s.current().hosts.map((h) => h.id)).toEqual(['db-01', 'web-01', 'web-02']);
    expect(s.current()).toMatchObject({ hostId: 'web-01', hostLabel: 'web-01' });
  });

  it('applies deltas and removals, status changes, and frames of the shown host only', () => {
    const s = source();
    send(s, { type: 'fleet', full: true, hosts: [fakeHost('a'), fakeHost('b')], removed: [] });
    send(s, { type: 'fleet', full: false, hosts: [fakeHost('c', { cpuPercent: 99 })], removed: ['b'] });
    expect(s.current().hosts.map((h) => h.id)).toEqual(['a', 'c']);
    send(s, { type: 'status', hostId: 'c', status: 'offline' });
    expect(s.current().hosts[1]?.status).toBe('offline');
    const frame = fakeFrame();
    send(s, { type: 'host', hostId: 'c', summary: fakeHost('c'), frame });
    expect(s.current().frame).toBeNull();
    send(s, { type: 'host', hostId: 'a', summary: fakeHost('a'), frame });
    expect(s.current().frame?.processes).toHaveLength(4);
  });

  it('--host picks by id or hostname; an unknown one is said once and the choice left to the user', () => {
    const byName = source('WEB-02');
    send(byName, {
      type: 'fleet',
      full: true,
      hosts: [fakeHost('h1', { hostname: 'web-01' }), fakeHost('h2', { hostname: 'web-02' })],
      removed: [],
    });
    expect(byName.current().hostId).toBe('h2');
    const unknown = source('nope');
    send(unknown, { type: 'fleet', full: true, hosts: [fakeHost('a'), fakeHost('b')], removed: [] });
    expect(unknown.current()).toMatchObject({ hostId: null, notice: { text: 'no host "nope" on this hub: choose one', seq: 1 } });
    send(unknown, { type: 'fleet', full: false, hosts: [fakeHost('a')], removed: [] });
    expect(unknown.current()).toMatchObject({ hostId: null, notice: { seq: 1 } });
    unknown.chooseHost('b');
    expect(unknown.current()).toMatchObject({ hostId: 'b', frame: null });
  });

  it("ignores what it cannot read, and shows the hub's errors", () => {
    const s = source();
    s.receive('not json');
    s.receive(JSON.stringify({ type: 'future', x: 1 }));
    send(s, { type: 'error', message: 'no host "x"' });
    expect(s.current().notice?.text).toBe('no host "x"');
  });

  it('backs off from half a second, doubling, up to fifteen seconds, with jitter', () => {
    const top = () => 1;
    expect([0, 1, 2, 3, 10].map((n) => backoffMs(n, 500, 15_000, top))).toEqual([500, 1000, 2000, 4000, 15_000]);
    expect(backoffMs(0, 500, 15_000, () => 0)).toBe(250);
  });
});
