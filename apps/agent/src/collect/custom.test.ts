import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { customCollector } from './custom.ts';
import { Collection } from './index.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Collects until `check` accepts a result, at most 5 s (plugins run in the background). */
async function collectUntil(collection: Collection, check: (r: Awaited<ReturnType<Collection['collect']>>) => boolean) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const r = await collection.collect();
    if (check(r) || Date.now() > deadline) return r;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('custom metrics collector', () => {
  it('sends a plugin run’s samples once, in the next frame, and runs it again after its interval', async () => {
    const collection = new Collection({
      collectors: [
        customCollector([
          { name: 'db_connections', command: 'echo 42', interval: 3600, timeout: 5 },
          { name: 'multi', command: 'printf "a 1\\nb{k=\\"v\\"} 2\\n"', interval: 3600, timeout: 5 },
        ]),
      ],
    });
    const r = await collectUntil(collection, (x) => (x.custom?.length ?? 0) >= 3);
    expect(r.custom).toEqual(
      expect.arrayContaining([
        { name: 'db_connections', value: 42 },
        { name: 'a', value: 1 },
        { name: 'b', value: 2, labels: { k: 'v' } },
      ]),
    );
    expect((await collection.collect()).custom).toBeUndefined(); // not repeated until the next run
  });

  it('reports a failing or slow plugin as this collector’s error, and keeps the others', async () => {
    const collection = new Collection({
      collectors: [
        customCollector([
          { name: 'ok', command: 'echo 1', interval: 3600, timeout: 5 },
          { name: 'broken', command: 'echo oops >&2; exit 3', interval: 3600, timeout: 5 },
          { name: 'slow', command: 'sleep 5', interval: 3600, timeout: 0.2 },
        ]),
      ],
    });
    const r = await collectUntil(
      collection,
      (x) => /timed out/.test(x.collectors.custom?.error ?? '') && /exited/.test(x.collectors.custom?.error ?? ''),
    );
    expect(r.collectors.custom?.error).toMatch(/plugin broken: exited with 3: oops/);
    expect(r.collectors.custom?.error).toMatch(/plugin slow: timed out after 0.2 s/);
  });

  it('reads *.prom files of the textfile folder, again when they change', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-textfile-'));
    dirs.push(dir);
    const file = join(dir, 'backup.prom');
    writeFileSync(file, '# TYPE backup_age_seconds gauge\nbackup_age_seconds 120\n');
    writeFileSync(join(dir, 'ignored.txt'), 'not_read 1\n');
    const collection = new Collection({ collectors: [customCollector([], dir)] });
    expect((await collection.collect()).custom).toEqual([{ name: 'backup_age_seconds', value: 120 }]);
    writeFileSync(file, 'backup_age_seconds 5\nbad line here\n');
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const r = await collection.collect();
    expect(r.custom).toEqual([{ name: 'backup_age_seconds', value: 5 }]);
    expect(r.collectors.custom?.error).toMatch(/backup.prom line 2/);
  });
});
