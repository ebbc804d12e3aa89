import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HostSnapshot } from '@vigil/schema';
import { describe, expect, it } from 'vitest';
import { collectFixture } from './fixture-host.ts';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const hosts = readdirSync(FIXTURES).filter((name) => statSync(join(FIXTURES, name)).isDirectory());

// End to end over captured and made hosts: every collector, two cycles, compared with the committed
// expected.json (refresh with `npx vitest run apps/agent/test/fixtures.test.ts --update`, then review the diff).
describe.each(hosts)('fixture host %s', (host) => {
  it('collects a valid snapshot equal to expected.json', async () => {
    const snapshot = await collectFixture(join(FIXTURES, host));
    expect(HostSnapshot.parse(snapshot)).toEqual(snapshot);
    await expect(`${JSON.stringify(snapshot, null, 2)}\n`).toMatchFileSnapshot(join(FIXTURES, host, 'expected.json'));
  });
});
