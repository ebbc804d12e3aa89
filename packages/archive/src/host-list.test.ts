import { describe, expect, it } from 'vitest';
import { HostListWriter, mergeHostList, parseHostList } from './host-list.ts';
import {
  ConditionFailedError,
  ConditionsUnsupportedError,
  type ObjectStore,
  type PutOptions,
  ReadDeniedError,
  type StoredObject,
} from './store.ts';

const NOW = Date.UTC(2025, 7, 5, 14, 30, 22);
const ago = (minutes: number) => new Date(NOW - minutes * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');

describe('parseHostList', () => {
  it.each([
    ['the timestamped format', '{"server01":"2025-08-05T14:30:00Z"}', { server01: '2025-08-05T14:30:00Z' }],
    [
      "seed 003's old format, stamped now",
      '["server01","server02"]',
      { server01: '2025-08-05T14:30:22Z', server02: '2025-08-05T14:30:22Z' },
    ],
    ['nothing', '', {}],
    ['a torn write', '{"server01":"2025-08', {}],
    ['another shape', '{"hosts":{"a":1}}', {}],
    ['null', 'null', {}],
  ])('reads %s', (_, text, expected) => {
    expect(parseHostList(text, NOW)).toEqual(expected);
  });
});

describe('mergeHostList', () => {
  it('stamps the given hosts now, keeps the others for five minutes and drops the rest', () => {
    const current = { old: ago(5.1), edge: ago(5), recent: ago(4), self: ago(1), garbage: 'yesterday' };
    expect(mergeHostList(current, ['self', 'new'], NOW)).toEqual({
      edge: ago(5),
      new: '2025-08-05T14:30:22Z',
      recent: ago(4),
      self: '2025-08-05T14:30:22Z',
    });
  });
});

/** A bucket of one object in memory that honours (or ignores, or refuses) conditional writes, as stores do. */
class MemoryStore implements ObjectStore {
  object: StoredObject | null = null;
  private version = 0;
  puts: PutOptions[] = [];
  /** Runs before a write lands: lets a test slip another writer in between a read and a write. */
  beforePut: (() => void) | null = null;
  constructor(private readonly conditions: 'honoured' | 'ignored' | 'refused') {}
  async get(): Promise<StoredObject | null> {
    return this.object && { ...this.object };
  }
  async put(_key: string, body: string, options: PutOptions = {}): Promise<void> {
    this.puts.push({ ifMatch: options.ifMatch, ifNoneMatch: options.ifNoneMatch });
    const hook = this.beforePut;
    this.beforePut = null;
    hook?.();
    const conditional = options.ifMatch !== undefined || options.ifNoneMatch !== undefined;
    if (conditional && this.conditions === 'refused') throw new ConditionsUnsupportedError('501');
    if (conditional && this.conditions === 'honoured') {
      if (options.ifMatch !== undefined && options.ifMatch !== this.object?.etag) throw new ConditionFailedError('412');
      if (options.ifNoneMatch === '*' && this.object) throw new ConditionFailedError('412');
    }
    this.object = { body, etag: `"${++this.version}"` };
  }
}

const noSleep = async () => {};

describe('HostListWriter', () => {
  it('creates the list with If-None-Match, then writes over it with If-Match and the ETag read', async () => {
    const store = new MemoryStore('honoured');
    const writer = new HostListWriter(store, 'list.json', noSleep);
    await writer.update(['a'], NOW);
    await writer.update(['a'], NOW + 1000);
    expect(store.puts).toEqual([
      { ifMatch: undefined, ifNoneMatch: '*' },
      { ifMatch: '"1"', ifNoneMatch: undefined },
    ]);
  });

  it('redoes a write that lost the race (412) on the list the other writer left', async () => {
    const store = new MemoryStore('honoured');
    store.object = { body: JSON.stringify({ a: ago(1) }), etag: '"x"' };
    store.beforePut = () => {
      store.object = { body: JSON.stringify({ a: ago(1), b: ago(0) }), etag: '"y"' };
    };
    const list = await new HostListWriter(store, 'list.json', noSleep).update(['c'], NOW);
    expect(Object.keys(list)).toEqual(['a', 'b', 'c']);
    expect(store.puts.map((p) => p.ifMatch)).toEqual(['"x"', '"y"']);
  });

  it('on a store that ignores the condition, reads the list back and writes again when another writer replaced it', async () => {
    const store = new MemoryStore('ignored');
    const writer = new HostListWriter(store, 'list.json', noSleep);
    const original = store.put.bind(store);
    let raced = false;
    store.put = async (key, body, options) => {
      await original(key, body, options);
      if (!raced) {
        raced = true;
        // Another agent read before our write and writes after it, without us.
        store.object = { body: JSON.stringify({ b: ago(0) }), etag: '"z"' };
      }
    };
    const list = await writer.update(['a'], NOW);
    expect(Object.keys(list)).toEqual(['a', 'b']);
    expect(store.puts).toHaveLength(2);
  });

  it('falls back to plain writes on a store that answers 501 to conditions', async () => {
    const store = new MemoryStore('refused');
    const writer = new HostListWriter(store, 'list.json', noSleep);
    await writer.update(['a'], NOW);
    await writer.update(['b'], NOW);
    expect(writer.conditional).toBe(false);
    expect(store.puts).toEqual([
      { ifMatch: undefined, ifNoneMatch: '*' },
      { ifMatch: undefined, ifNoneMatch: undefined },
      { ifMatch: undefined, ifNoneMatch: undefined },
    ]);
    expect(Object.keys(JSON.parse(store.object?.body ?? '{}'))).toEqual(['a', 'b']);
  });

  it('starts the list when S3 answers 403 for a key that does not exist (a policy without s3:ListBucket)', async () => {
    const store = new MemoryStore('honoured');
    const get = store.get.bind(store);
    store.get = async () => {
      if (!store.object) throw new ReadDeniedError('AccessDenied');
      return get();
    };
    expect(await new HostListWriter(store, 'list.json', noSleep).update(['a'], NOW)).toEqual({ a: '2025-08-05T14:30:22Z' });
  });

  it('says which permission is missing when the list exists but may not be read', async () => {
    const store = new MemoryStore('honoured');
    store.object = { body: '{}', etag: '"1"' };
    store.get = async () => {
      throw new ReadDeniedError('AccessDenied');
    };
    await expect(new HostListWriter(store, 'list.json', noSleep).update(['a'], NOW)).rejects.toThrow(
      'list.json exists but may not be read (the archive needs s3:GetObject on it)',
    );
  });

  it('gives up after five attempts when the list never settles', async () => {
    const store = new MemoryStore('honoured');
    store.put = async () => {
      throw new ConditionFailedError('412');
    };
    await expect(new HostListWriter(store, 'list.json', noSleep).update(['a'], NOW)).rejects.toThrow(/kept changing under 5 attempts/);
  });
});
