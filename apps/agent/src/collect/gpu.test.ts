import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findExecutable, NvidiaSmiSource } from './gpu.ts';

const GPUS = [
  '0, NVIDIA GeForce RTX 4090, GPU-aaaa, 87, 41, 24564, 20120, 4444, 71, 380.25, 450.00, 65',
  '1, Tesla T4, GPU-bbbb, 0, 0, 15360, 0, 15360, 34, 9.87, [Not Supported], [N/A]',
].join('\n');

let dir = '';
const sources: NvidiaSmiSource[] = [];

/** Writes an executable stand-in for nvidia-smi: a real process that answers like the real one. */
function fakeSmi(script: string): string {
  dir = mkdtempSync(join(tmpdir(), 'vigil-smi-'));
  const path = join(dir, 'nvidia-smi');
  writeFileSync(path, `#!/bin/sh\n${script}\n`);
  chmodSync(path, 0o755);
  return path;
}

async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

afterEach(() => {
  for (const s of sources.splice(0)) s.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('NvidiaSmiSource', () => {
  it('reads every GPU from a looping nvidia-smi and attaches compute processes', async () => {
    const smi = fakeSmi(`
case "$*" in
  *--query-compute-apps*) echo "GPU-aaaa, 4242, python3, 18000" ;;
  *--loop-ms*) while :; do printf '%s\\n' "${GPUS}"; sleep 0.2; done ;;
esac`);
    const source = new NvidiaSmiSource(200, smi);
    sources.push(source);
    const gpus = await eventually(
      () => source.read(),
      (g) => g[0]?.processes.length === 1,
    );
    expect(gpus.map((g) => g.name)).toEqual(['NVIDIA GeForce RTX 4090', 'Tesla T4']);
    expect(gpus[0]?.processes).toEqual([{ pid: 4242, name: 'python3', usedMemoryBytes: 18000 * 1024 * 1024 }]);
    expect(gpus[1]).toMatchObject({ powerLimitWatts: null, fanSpeedPercent: null, powerDrawWatts: 9.87 });
  });

  it('reports the driver error nvidia-smi prints when it cannot reach the GPUs', async () => {
    const smi = fakeSmi(
      `echo "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running."; exit 9`,
    );
    const source = new NvidiaSmiSource(200, smi);
    sources.push(source);
    await expect(source.read()).rejects.toThrow(/couldn't communicate with the NVIDIA driver/);
  });

  it('has no GPUs, and no error, where nvidia-smi is not installed', async () => {
    const source = new NvidiaSmiSource(200, null);
    sources.push(source);
    expect(await source.read()).toEqual([]);
  });

  it('finds executables on PATH like which(1)', () => {
    expect(findExecutable('sh', '/nonexistent:/bin:/usr/bin')).toMatch(/\/sh$/);
    expect(findExecutable('surely-not-a-command-here', '/bin:/usr/bin')).toBeNull();
  });
});
