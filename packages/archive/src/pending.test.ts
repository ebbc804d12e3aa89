import { describe, expect, it } from 'vitest';
import { type PendingDocument, PendingQueue } from './pending.ts';

const doc = (hostname: string, ts: number, body = '{}'): PendingDocument => ({ hostname, key: `history/${hostname}/${ts}.json`, ts, body });
const LIMITS = { maxPerHost: 3, maxAgeMs: 10_000, maxBytes: 1000 };

/** Drains the queue the way the archiver does: oldest first, removed once written. */
function drain(queue: PendingQueue): string[] {
  const keys: string[] = [];
  for (let d = queue.oldest(); d; d = queue.oldest()) {
    keys.push(d.key);
    queue.remove(d);
  }
  return keys;
}

describe('PendingQueue', () => {
  it('hands documents out oldest first across hosts, whatever the order they came in', () => {
    const queue = new PendingQueue(LIMITS);
    queue.add(doc('a', 2000), 2000);
    queue.add(doc('b', 1000), 2000);
    queue.add(doc('a', 3000), 3000);
    queue.add(doc('b', 3000), 3000);
    expect(drain(queue)).toEqual(['history/b/1000.json', 'history/a/2000.json', 'history/a/3000.json', 'history/b/3000.json']);
    expect(queue.size).toBe(0);
    expect(queue.bytes).toBe(0);
    expect(queue.dropped).toBe(0);
  });

  it('keeps at most maxPerHost documents of a host, dropping that host oldest', () => {
    const queue = new PendingQueue(LIMITS);
    for (const ts of [1000, 2000, 3000]) queue.add(doc('b', ts), ts);
    expect(queue.add(doc('a', 3500), 3500)).toBe(0);
    expect(queue.add(doc('b', 4000), 4000)).toBe(1);
    expect(drain(queue)).toEqual(['history/b/2000.json', 'history/b/3000.json', 'history/a/3500.json', 'history/b/4000.json']);
    expect(queue.dropped).toBe(1);
  });

  it('drops documents older than maxAgeMs', () => {
    const queue = new PendingQueue(LIMITS);
    queue.add(doc('a', 1000), 1000);
    queue.add(doc('b', 5000), 5000);
    expect(queue.add(doc('a', 12_000), 12_000)).toBe(1);
    expect(drain(queue)).toEqual(['history/b/5000.json', 'history/a/12000.json']);
  });

  it('keeps the bytes of all hosts under maxBytes, oldest first, but never drops the only document', () => {
    const queue = new PendingQueue(LIMITS);
    queue.add(doc('a', 1000, 'x'.repeat(400)), 1000);
    queue.add(doc('b', 2000, 'y'.repeat(400)), 2000);
    expect(queue.bytes).toBe(800);
    expect(queue.add(doc('c', 3000, 'z'.repeat(400)), 3000)).toBe(1);
    expect(queue.bytes).toBe(800);
    expect(drain(queue)).toEqual(['history/b/2000.json', 'history/c/3000.json']);
    queue.add(doc('d', 4000, 'w'.repeat(2000)), 4000);
    expect(queue.size).toBe(1);
  });

  it('forgets a written document even if others were queued meanwhile, and ignores one the limits dropped', () => {
    const queue = new PendingQueue(LIMITS);
    const first = doc('a', 1000);
    queue.add(first, 1000);
    const uploading = queue.oldest() as PendingDocument;
    for (const ts of [2000, 3000, 4000]) queue.add(doc('a', ts), ts);
    queue.remove(uploading);
    expect(queue.size).toBe(3);
    expect(queue.oldest()?.ts).toBe(2000);
  });
});
