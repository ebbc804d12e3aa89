import type { HostSummary } from '@vigil/schema';
import { describe, expect, it } from 'vitest';
import { fleetDeltas } from './fanout.ts';

const summary = (id: string) => ({ id, hostname: id }) as HostSummary;

describe('fleet update messages', () => {
  it('split a batch into messages of at most 100 hosts, every host once, in order, removals in the first', () => {
    const changed = Array.from({ length: 250 }, (_, i) => summary(`h${i}`));
    const messages = fleetDeltas(changed, ['gone']).map((text) => JSON.parse(text));
    expect(messages.map((m) => m.hosts.length)).toEqual([100, 100, 50]);
    expect(messages.flatMap((m) => m.hosts.map((h: HostSummary) => h.id))).toEqual(changed.map((h) => h.id));
    expect(messages.map((m) => m.removed)).toEqual([['gone'], [], []]);
    for (const m of messages) expect(m).toMatchObject({ type: 'fleet', full: false });
  });

  it('send removals alone in one message when no host changed', () => {
    expect(fleetDeltas([], ['a', 'b']).map((text) => JSON.parse(text))).toEqual([
      { type: 'fleet', full: false, hosts: [], removed: ['a', 'b'] },
    ]);
  });
});
