import { Seed003HostList, seed003Timestamp } from '@vigil/schema';
import { ConditionFailedError, ConditionsUnsupportedError, type ObjectStore, ReadDeniedError, type StoredObject } from './store.ts';

/** Seed 003: "Entries older than 5 minutes are automatically removed." */
export const HOST_LIST_TTL_MS = 5 * 60 * 1000;

/**
 * Reads list.json's text. Seed 003 converted its old format (a plain array of host names) to the timestamped
 * one; so does this, stamping those names `now` (they go five minutes later unless their hosts upload).
 * Text that is not a list at all (a half-written object, another program's file) counts as empty.
 */
export function parseHostList(text: string | null | undefined, now: number): Seed003HostList {
  if (!text) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return {};
  }
  if (Array.isArray(value)) {
    const stamp = seed003Timestamp(now);
    return Object.fromEntries(value.filter((name): name is string => typeof name === 'string' && name !== '').map((name) => [name, stamp]));
  }
  const parsed = Seed003HostList.safeParse(value);
  return parsed.success ? parsed.data : {};
}

/** The list with `hostnames` stamped `now` and every entry older than five minutes (or not a date) removed. */
export function mergeHostList(current: Seed003HostList, hostnames: Iterable<string>, now: number): Seed003HostList {
  const merged: Seed003HostList = {};
  for (const [name, stamp] of Object.entries(current)) {
    const seen = Date.parse(stamp);
    if (Number.isFinite(seen) && seen >= now - HOST_LIST_TTL_MS) merged[name] = stamp;
  }
  for (const name of hostnames) merged[name] = seed003Timestamp(now);
  return Object.fromEntries(Object.entries(merged).sort(([a], [b]) => a.localeCompare(b)));
}

const ATTEMPTS = 5;

/**
 * Read-modify-write of list.json, which every agent of a fleet (or several hubs) shares.
 *
 * Each writer reads the list, stamps its own hosts, prunes, and writes back conditionally: `If-Match` with the
 * ETag it read (`If-None-Match: *` when there was no list), so a write based on a list someone else replaced
 * meanwhile fails with 412 and is redone on the new list. AWS S3 has honoured both headers since 2024, and so
 * do current MinIO and Ceph. A store answering 501 to them gets plain writes from then on (`conditional` is
 * turned off), and some stores (s3rver, older S3-compatible ones) ignore the headers without a word; for those,
 * last writer wins, so the write is checked by reading the list back: when another writer's list replaced ours
 * without our hosts, we merge again and write again. That costs one GET per upload (a fraction of a cent a
 * month at one upload a minute) and makes concurrent writers converge on any store; a lost update can only
 * delay a host's entry by one upload, never keep it out.
 */
export class HostListWriter {
  /** Whether to send conditional writes; off once the store has answered that it does not implement them. */
  conditional = true;

  constructor(
    private readonly store: ObjectStore,
    private readonly key: string,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    private readonly random: () => number = Math.random,
  ) {}

  /** Stamps `hostnames` with `now` in the shared list; throws when the store fails or the list never settles. */
  async update(hostnames: string[], now: number, signal?: AbortSignal): Promise<Seed003HostList> {
    const stamp = Date.parse(seed003Timestamp(now));
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      // A 403 on a list that does not exist yet is what a policy without s3:ListBucket gets: start one.
      let denied = false;
      let current: StoredObject | null = null;
      try {
        current = await this.store.get(this.key, signal);
      } catch (error) {
        if (!(error instanceof ReadDeniedError)) throw error;
        denied = true;
      }
      const merged = mergeHostList(parseHostList(current?.body, now), hostnames, now);
      const condition = !this.conditional ? {} : current?.etag ? { ifMatch: current.etag } : { ifNoneMatch: '*' as const };
      try {
        await this.store.put(this.key, JSON.stringify(merged), { ...condition, signal });
      } catch (error) {
        if (error instanceof ConditionsUnsupportedError) {
          this.conditional = false;
          continue;
        }
        if (!(error instanceof ConditionFailedError)) throw error;
        if (denied) throw new Error(`${this.key} exists but may not be read (the archive needs s3:GetObject on it)`);
        await this.sleep(50 + this.random() * 200 * attempt);
        continue;
      }
      const after = parseHostList((await this.readBack(signal))?.body, now);
      if (hostnames.every((name) => (Date.parse(after[name] ?? '') || 0) >= stamp)) return after;
      await this.sleep(50 + this.random() * 200 * attempt);
    }
    throw new Error(`${this.key} kept changing under ${ATTEMPTS} attempts to add ${hostnames.join(', ')}`);
  }

  private async readBack(signal?: AbortSignal): Promise<StoredObject | null> {
    try {
      return await this.store.get(this.key, signal);
    } catch (error) {
      // Just written, so it exists: a 403 now is a policy without s3:GetObject.
      if (error instanceof ReadDeniedError) throw new Error(`${this.key} may not be read (the archive needs s3:GetObject on it)`);
      throw error;
    }
  }
}
