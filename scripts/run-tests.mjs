#!/usr/bin/env node
// Runs the whole Vitest suite and ends with one line "N passed, N failed[, N skipped]", which CI reads.
// Extra arguments go to Vitest (e.g. `npm test -- apps/agent`).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'vigil-tests-'));
const report = join(dir, 'report.json');
const result = spawnSync(
  process.execPath,
  [
    'node_modules/vitest/vitest.mjs',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit' },
);
let summary = 'no test report was written';
try {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  const skipped = json.numPendingTests + json.numTodoTests;
  summary = `${json.numPassedTests} passed, ${json.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`;
  if (json.numTotalTests === 0) summary = '0 passed, 0 failed';
} catch {}
rmSync(dir, { recursive: true, force: true });
console.log(summary);
process.exit(result.status ?? 1);
