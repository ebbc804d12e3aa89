/** A host for the live-path tests: a whole frame the collectors made from a fixture tree, and records to attach. */
import { readFileSync } from 'node:fs';
import { Frame, HostIdentity } from '@vigil/schema';
import type { HostRecord } from '../store/index.ts';

const fixture = JSON.parse(readFileSync(new URL('../../../agent/test/fixtures/server-4cpu/expected.json', import.meta.url), 'utf8'));

/** 16 processes: kernel threads, a zombie, nulls. */
export const fixtureFrame: Frame = Frame.parse(fixture.frame);

/** A known host of that fixture, never seen yet. */
export function hostRecord(id: string, hostname = id): HostRecord {
  return {
    id,
    hostname,
    machineId: null,
    identity: HostIdentity.parse(fixture.host),
    tags: [],
    firstSeen: 0,
    lastSeen: 0,
    runId: null,
    lastAckedSeq: null,
  };
}
