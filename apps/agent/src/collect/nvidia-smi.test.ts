import { readFileSync } from 'node:fs';
import type { GpuReading } from '@vigil/schema';
import { describe, expect, it } from 'vitest';
import { attachProcesses, GPU_QUERY_FIELDS, parseComputeApps, parseGpuQuery, smiNumber } from './nvidia-smi.ts';

const MIB = 1024 * 1024;

// `nvidia-smi --query-gpu=<every field> --format=csv` on a GeForce RTX 2080 SUPER (see fixtures/nvidia-smi/README.md).
const CAPTURE = readFileSync(new URL('./fixtures/nvidia-smi/query-gpu-all-fields-rtx2080super.csv', import.meta.url), 'utf8');
const [CAPTURE_HEADER = '', CAPTURE_VALUES = ''] = CAPTURE.split('\n');
const headerCells = CAPTURE_HEADER.split(', ');
const valueCells = CAPTURE_VALUES.split(', ');

/** The capture's cells of one --query-gpu field ("memory.total" matches the header cell "memory.total [MiB]"). */
function captured(field: string): { header: string; value: string } {
  const i = headerCells.findIndex((cell) => cell.replace(/ \[[^\]]+\]$/, '') === field);
  const header = headerCells[i];
  const value = valueCells[i];
  if (header === undefined || value === undefined) throw new Error(`the capture has no ${field} column`);
  return { header, value };
}

const SELECTED = GPU_QUERY_FIELDS.map(captured);
// nvidia-smi keeps the units in the header with `nounits`; only the values lose them.
const HEADER_LINE = SELECTED.map((c) => c.header).join(', ');
const VALUES_WITH_UNITS = SELECTED.map((c) => c.value).join(', ');
const VALUES_WITHOUT_UNITS = SELECTED.map((c) => c.value.replace(/ (%|MiB|W|MHz)$/, '')).join(', ');

const RTX_2080_SUPER: GpuReading = {
  index: 0,
  name: 'NVIDIA GeForce RTX 2080 SUPER',
  uuid: 'GPU-df6e7a7c-7314-46f8-abc4-b88b36dcf3aa',
  vendor: 'nvidia',
  utilizationGpuPercent: 2,
  utilizationMemoryPercent: 10,
  memoryTotalBytes: 8192 * MIB,
  memoryUsedBytes: 876 * MIB,
  memoryFreeBytes: 7316 * MIB,
  memoryUsedPercent: (876 / 8192) * 100,
  temperatureCelsius: 36,
  powerDrawWatts: 32.7,
  powerLimitWatts: 250,
  fanSpeedPercent: 38,
  processes: [],
};

// Made: two A100 SXM4 (no fan: "[N/A]") in the production form, csv,noheader,nounits.
const A100_UUID_0 = 'GPU-1c9c4a4e-5f6e-4a3b-9d2c-0e1f2a3b4c5d';
const A100_UUID_1 = 'GPU-7a8b9c0d-1e2f-4a5b-8c7d-6e5f4a3b2c1d';
const TWO_A100 = `0, NVIDIA A100-SXM4-40GB, ${A100_UUID_0}, 87, 45, 40960, 31022, 9938, 61, 312.45, 400.00, [N/A]
1, NVIDIA A100-SXM4-40GB, ${A100_UUID_1}, 0, 0, 40960, 3, 40957, 33, 55.12, 400.00, [N/A]
`;

// Made: three Tesla T4; the second fell off the bus, and nvidia-smi prints an error line in its place.
const GPU_LOST_LINE = 'Unable to determine the device handle for GPU0000:3B:00.0: GPU is lost.  Reboot the system to recover this GPU';
const T4_WITH_LOST_GPU = `0, Tesla T4, GPU-0a0a0a0a-0000-4000-8000-000000000000, 12, 3, 15360, 1200, 14160, 45, 27.31, 70.00, [N/A]
${GPU_LOST_LINE}
2, Tesla T4, GPU-2c2c2c2c-0000-4000-8000-000000000000, 0, 0, 15360, 0, 15360, 38, 9.87, 70.00, [N/A]
`;

describe('parseGpuQuery', () => {
  it('selects the query fields from the capture', () => {
    expect(SELECTED.map((c) => c.header)).toEqual([
      'index',
      'name',
      'uuid',
      'utilization.gpu [%]',
      'utilization.memory [%]',
      'memory.total [MiB]',
      'memory.used [MiB]',
      'memory.free [MiB]',
      'temperature.gpu',
      'power.draw [W]',
      'power.limit [W]',
      'fan.speed [%]',
    ]);
  });

  it.each([
    ['csv (header, units)', `${HEADER_LINE}\n${VALUES_WITH_UNITS}\n`],
    ['csv,noheader', `${VALUES_WITH_UNITS}\n`],
    ['csv,nounits', `${HEADER_LINE}\n${VALUES_WITHOUT_UNITS}\n`],
    ['csv,noheader,nounits', `${VALUES_WITHOUT_UNITS}\n`],
    ['csv,noheader,nounits without a trailing newline, with CRLF', `${VALUES_WITHOUT_UNITS}\r`],
  ])('parses the capture queried with --format=%s', (_format, text) => {
    expect(parseGpuQuery(text)).toEqual({ rows: [RTX_2080_SUPER], errors: [] });
  });

  it('parses two GPUs, one line each', () => {
    const { rows, errors } = parseGpuQuery(TWO_A100);
    expect(errors).toEqual([]);
    expect(rows.map((r) => [r.index, r.uuid, r.utilizationGpuPercent, r.memoryUsedBytes, r.powerDrawWatts, r.fanSpeedPercent])).toEqual([
      [0, A100_UUID_0, 87, 31022 * MIB, 312.45, null],
      [1, A100_UUID_1, 0, 3 * MIB, 55.12, null],
    ]);
  });

  it('reports a lost GPU as an error and still parses the others', () => {
    const { rows, errors } = parseGpuQuery(T4_WITH_LOST_GPU);
    expect(rows.map((r) => r.index)).toEqual([0, 2]);
    expect(errors).toEqual([GPU_LOST_LINE]);
  });

  it('reads "[Not Supported]", "[N/A]", "N/A" and "[Unknown Error]" as null', () => {
    const line =
      '0, NVIDIA GeForce GTX 770, [N/A], [Not Supported], N/A, 2047, 1024, 1023, [Unknown Error], [Not Supported], [Not Supported], 30';
    expect(parseGpuQuery(line).rows).toEqual([
      {
        index: 0,
        name: 'NVIDIA GeForce GTX 770',
        uuid: null,
        vendor: 'nvidia',
        utilizationGpuPercent: null,
        utilizationMemoryPercent: null,
        memoryTotalBytes: 2047 * MIB,
        memoryUsedBytes: 1024 * MIB,
        memoryFreeBytes: 1023 * MIB,
        memoryUsedPercent: (1024 / 2047) * 100,
        temperatureCelsius: null,
        powerDrawWatts: null,
        powerLimitWatts: null,
        fanSpeedPercent: 30,
        processes: [],
      },
    ]);
  });

  it.each([
    ['an unknown name', '0, [N/A], GPU-x, 1, 1, 100, 50, 50, 40, 10, 20, 30', { name: 'NVIDIA GPU' }],
    ['an empty name', '0, , GPU-x, 1, 1, 100, 50, 50, 40, 10, 20, 30', { name: 'NVIDIA GPU' }],
    ['a GPU that needs a reset', '0, Tesla V100, [GPU requires reset], 1, 1, 100, 50, 50, 40, 10, 20, 30', { uuid: null }],
    ['unknown memory', '0, X, GPU-x, 1, 1, [N/A], [N/A], [N/A], 40, 10, 20, 30', { memoryTotalBytes: null, memoryUsedPercent: null }],
    ['a total of 0 MiB', '0, X, GPU-x, 1, 1, 0, 0, 0, 40, 10, 20, 30', { memoryTotalBytes: 0, memoryUsedPercent: null }],
    [
      'an unknown used memory',
      '0, X, GPU-x, 1, 1, 100, [N/A], 50, 40, 10, 20, 30',
      { memoryTotalBytes: 100 * MIB, memoryUsedPercent: null },
    ],
  ])('reads %s', (_case, line, expected) => {
    expect(parseGpuQuery(line).rows[0]).toMatchObject(expected);
  });

  it.each([
    ['empty output', ''],
    ['blank lines', '\n  \n\n'],
    ['a header only', `${HEADER_LINE}\n`],
  ])('finds no GPUs and no errors in %s', (_case, text) => {
    expect(parseGpuQuery(text)).toEqual({ rows: [], errors: [] });
  });

  it.each([
    ['no GPU at all', 'No devices were found'],
    ['a driver mismatch', 'Failed to initialize NVML: Driver/library version mismatch'],
    ['a truncated line', '0, NVIDIA A100-SXM4-40GB, GPU-1c9c4a4e, 87, 45'],
    ['an extra column (a query with another field)', `${VALUES_WITHOUT_UNITS}, 1530`],
    ['a non-numeric index', 'x, Tesla T4, GPU-x, 1, 1, 100, 50, 50, 40, 10, 20, 30'],
    ['an unknown index', '[N/A], Tesla T4, GPU-x, 1, 1, 100, 50, 50, 40, 10, 20, 30'],
  ])('reports %s as an error line', (_case, line) => {
    expect(parseGpuQuery(`${line}\n`)).toEqual({ rows: [], errors: [line] });
  });
});

describe('smiNumber', () => {
  it.each([
    ['38 %', 38],
    ['8192 MiB', 8192],
    ['32.70 W', 32.7],
    ['250.00 W', 250],
    ['111 MHz', 111],
    ['36', 36],
    [' 42 ', 42],
    ['0', 0],
    ['-5', -5],
  ])('reads %j as %s', (text, expected) => {
    expect(smiNumber(text)).toBe(expected);
  });

  it.each([
    ['[N/A]'],
    ['N/A'],
    ['[Not Supported]'],
    ['[Unknown Error]'],
    [''],
    ['Enabled'],
    ['0x1E81'],
    ['12 GiB'],
    ['1,5'],
    ['1e3'],
    ['.5'],
    ['5.'],
  ])('reads %j as null', (text) => {
    expect(smiNumber(text)).toBeNull();
  });

  it('reads a missing cell as null', () => {
    expect(smiNumber(undefined)).toBeNull();
  });
});

// Made: `nvidia-smi --query-compute-apps=gpu_uuid,pid,process_name,used_memory --format=csv,noheader,nounits`.
const COMPUTE_APPS = `${A100_UUID_0}, 4242, /usr/bin/python3, 30000
${A100_UUID_0}, 4243, /opt/conda/bin/python, 1020
${A100_UUID_1}, 5150, [Not Found], [N/A]
`;

describe('parseComputeApps', () => {
  it('parses one process per line', () => {
    expect(parseComputeApps(COMPUTE_APPS)).toEqual({
      rows: [
        { gpuUuid: A100_UUID_0, pid: 4242, name: '/usr/bin/python3', usedMemoryBytes: 30000 * MIB },
        { gpuUuid: A100_UUID_0, pid: 4243, name: '/opt/conda/bin/python', usedMemoryBytes: 1020 * MIB },
        { gpuUuid: A100_UUID_1, pid: 5150, name: '[Not Found]', usedMemoryBytes: null },
      ],
      errors: [],
    });
  });

  it('skips the header and reads values with units', () => {
    const text = `gpu_uuid, pid, process_name, used_gpu_memory [MiB]\n${A100_UUID_0}, 4242, /usr/bin/python3, 30000 MiB\n`;
    expect(parseComputeApps(text).rows).toEqual([
      { gpuUuid: A100_UUID_0, pid: 4242, name: '/usr/bin/python3', usedMemoryBytes: 30000 * MIB },
    ]);
  });

  it('keeps a name that contains ", "', () => {
    const text = `${A100_UUID_0}, 77, C:\\Program Files\\Acme, Inc\\render.exe, 512\n`;
    expect(parseComputeApps(text).rows[0]).toMatchObject({
      pid: 77,
      name: 'C:\\Program Files\\Acme, Inc\\render.exe',
      usedMemoryBytes: 512 * MIB,
    });
  });

  // BUG: cells are trimmed and joined back with ", " (nvidia-smi.ts parseComputeApps line 108), so a comma
  // without a space in a name gains one.
  it('keeps a name that contains a comma without a space as it is', () => {
    const text = `${A100_UUID_0}, 78, /srv/jobs/run,v2/train, 512\n`;
    expect(parseComputeApps(text).rows[0]?.name).toBe('/srv/jobs/run,v2/train');
  });

  it.each([
    ['empty output', ''],
    ['blank lines', '\n\n'],
    ['"No running processes found"', 'No running processes found\n'],
    ['a header only', 'gpu_uuid, pid, process_name, used_gpu_memory [MiB]\n'],
  ])('finds nothing in %s', (_case, text) => {
    expect(parseComputeApps(text)).toEqual({ rows: [], errors: [] });
  });

  it.each([
    ['a lost GPU', GPU_LOST_LINE],
    ['a truncated line', `${A100_UUID_0}, 4242, python3`],
    ['a non-numeric pid', `${A100_UUID_0}, pid, python3, 100`],
    ['an unknown pid', `${A100_UUID_0}, [N/A], python3, 100`],
  ])('reports %s as an error line and keeps the others', (_case, line) => {
    const { rows, errors } = parseComputeApps(`${line}\n${A100_UUID_1}, 5150, python3, 10\n`);
    expect(errors).toEqual([line]);
    expect(rows.map((r) => r.pid)).toEqual([5150]);
  });
});

describe('attachProcesses', () => {
  it('attaches each process to the GPU with its UUID, and ignores processes of unknown GPUs', () => {
    const gpus = parseGpuQuery(TWO_A100).rows;
    const apps = [...parseComputeApps(COMPUTE_APPS).rows, { gpuUuid: 'GPU-gone', pid: 1, name: 'x', usedMemoryBytes: null }];
    const attached = attachProcesses(gpus, apps);
    expect(attached.map((g) => g.processes)).toEqual([
      [
        { pid: 4242, name: '/usr/bin/python3', usedMemoryBytes: 30000 * MIB },
        { pid: 4243, name: '/opt/conda/bin/python', usedMemoryBytes: 1020 * MIB },
      ],
      [{ pid: 5150, name: '[Not Found]', usedMemoryBytes: null }],
    ]);
    expect(gpus.every((g) => g.processes.length === 0)).toBe(true);
  });

  it('attaches nothing to a GPU without a UUID', () => {
    const gpu: GpuReading = { ...RTX_2080_SUPER, uuid: null };
    expect(attachProcesses([gpu], parseComputeApps(COMPUTE_APPS).rows)[0]?.processes).toEqual([]);
  });

  it('returns no GPUs for no GPUs', () => {
    expect(attachProcesses([], parseComputeApps(COMPUTE_APPS).rows)).toEqual([]);
  });
});
