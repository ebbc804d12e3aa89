import { describe, expect, it } from 'vitest';
import { computeLayout, coreGrid, type LayoutInput, processColumns, type TopLayout } from './layout.ts';

const HOST: Omit<LayoutInput, 'cols' | 'rows'> = { cores: 4, filesystems: 2, disks: 1, interfaces: 1, gpus: 0, hosts: 0 };

/** Every row of the screen is accounted for, and the table's columns fill the width exactly. */
function expectFits(layout: TopLayout, cols: number, rows: number) {
  const hostRows = layout.hosts ? layout.hosts.rows + 1 : 0;
  expect(1 + layout.meterRows + hostRows + 1 + layout.table.rows + 1).toBe(rows);
  expect(layout.table.columns.reduce((sum, c) => sum + c.width + 1, 0) + layout.table.commandWidth).toBe(cols);
  for (const column of layout.meterColumns) expect(column.x + column.width).toBeLessThanOrEqual(cols);
  expect(layout.cpu.width).toBeLessThan(layout.meterColumns[0]?.x ?? cols);
}

describe('80x24', () => {
  const layout = computeLayout({ cols: 80, rows: 24, ...HOST });

  it('fits: header, six rows of meters, fifteen processes, the key line', () => {
    expect(layout).toMatchObject({ width: 80, height: 24, tooSmall: false, meterRows: 6, hosts: null });
    expect(layout.table.rows).toBe(15);
    expectFits(layout, 80, 24);
  });

  it('two meter columns: CPU with one bar per core, then memory, swap, disks and network', () => {
    expect(layout.cpu).toMatchObject({ x: 0, width: 39, history: false, cores: { style: 'bars', columns: 1, rows: 4 } });
    expect(layout.meterColumns).toHaveLength(1);
    expect(layout.meterColumns[0]?.items.map((i) => i.kind)).toEqual(['memory', 'swap', 'filesystem', 'filesystem', 'disks', 'network']);
  });

  it('drops the least useful columns of the table and keeps a third of the width for the command', () => {
    expect(layout.table.columns.map((c) => c.title)).toEqual(['PID', 'USER', 'S', 'RES', 'CPU%', 'MEM%', 'TIME+', 'THR']);
    expect(layout.table.commandWidth).toBe(28);
  });

  it('many cores go to a compact grid, many disks give way to the essentials', () => {
    const big = computeLayout({ cols: 80, rows: 24, ...HOST, cores: 64, filesystems: 9, gpus: 2 });
    expect(big.cpu.cores).toEqual({ style: 'cells', columns: 33, rows: 2, cellWidth: 1 });
    const kinds = big.meterColumns[0]?.items.map((i) => i.kind);
    expect(kinds).toEqual(['memory', 'swap', 'filesystem', 'disks', 'network', 'gpu']);
    expect(big.table.rows).toBe(15);
    expectFits(big, 80, 24);
  });

  it('eight cores: two columns of bars in four rows', () => {
    expect(computeLayout({ cols: 80, rows: 24, ...HOST, cores: 8 }).cpu.cores).toEqual({
      style: 'bars',
      columns: 2,
      rows: 4,
      cellWidth: 19,
    });
  });
});

describe('200x50', () => {
  const layout = computeLayout({ cols: 200, rows: 50, cores: 16, filesystems: 3, disks: 2, interfaces: 3, gpus: 2, hosts: 5 });

  it('uses the space: three meter columns, a CPU history line, the fleet, and more rows of processes', () => {
    expect(layout.meterRows).toBe(12);
    expect(layout.cpu).toMatchObject({ width: 80, history: true, cores: { style: 'bars', columns: 2, rows: 8, cellWidth: 39 } });
    expect(layout.meterColumns.map((c) => [c.x, c.width])).toEqual([
      [82, 58],
      [142, 58],
    ]);
    expect(layout.meterColumns[0]?.items.map((i) => i.kind)).toEqual([
      'memory',
      'swap',
      'filesystem',
      'filesystem',
      'filesystem',
      'disk',
      'disk',
    ]);
    expect(layout.meterColumns[1]?.items.map((i) => i.kind)).toEqual(['interface', 'interface', 'interface', 'gpu', 'gpu']);
    expect(layout.hosts).toEqual({ rows: 1, columns: 5, cellWidth: 38 });
    expect(layout.table.rows).toBe(33);
    expectFits(layout, 200, 50);
  });

  it('shows every process column, with the command taking the rest', () => {
    expect(layout.table.columns.map((c) => c.title)).toEqual([
      'PID',
      'USER',
      'NI',
      'S',
      'VIRT',
      'RES',
      'CPU%',
      'MEM%',
      'TIME+',
      'THR',
      'READ/s',
      'WRIT/s',
    ]);
    expect(layout.table.commandWidth).toBe(122);
  });

  it('a few cores get a full-width bar each, and the details under them', () => {
    const few = computeLayout({ cols: 200, rows: 50, ...HOST, cores: 2 });
    expect(few.cpu.cores).toMatchObject({ style: 'bars', columns: 1, rows: 2, cellWidth: 80 });
    expect(few.meterRows).toBe(1 + 1 + 2 + 3);
    expectFits(few, 200, 50);
  });
});

describe('other sizes', () => {
  it.each([
    [40, 10],
    [60, 15],
    [100, 30],
    [120, 40],
    [160, 48],
    [300, 80],
  ])('%ix%i fits', (cols, rows) => {
    const layout = computeLayout({ cols, rows, ...HOST, hosts: 3 });
    expect(layout.tooSmall).toBe(false);
    expect(layout.table.rows).toBeGreaterThanOrEqual(3);
    expectFits(layout, cols, rows);
  });

  it('says so below 40x10', () => {
    expect(computeLayout({ cols: 39, rows: 24, ...HOST }).tooSmall).toBe(true);
    expect(computeLayout({ cols: 80, rows: 9, ...HOST }).tooSmall).toBe(true);
  });

  it('the fleet panel appears from 30 rows, in remote mode only', () => {
    expect(computeLayout({ cols: 100, rows: 29, ...HOST, hosts: 4 }).hosts).toBeNull();
    expect(computeLayout({ cols: 100, rows: 30, ...HOST, hosts: 4 }).hosts).toEqual({ rows: 2, columns: 2, cellWidth: 38 });
    expect(computeLayout({ cols: 100, rows: 30, ...HOST, hosts: 0 }).hosts).toBeNull();
  });
});

describe('coreGrid', () => {
  it('prefers one column, then as few as fit, and falls back to one cell per core', () => {
    expect(coreGrid(4, 39, 4)).toEqual({ style: 'bars', columns: 1, rows: 4, cellWidth: 39 });
    expect(coreGrid(8, 39, 4)).toEqual({ style: 'bars', columns: 2, rows: 4, cellWidth: 19 });
    expect(coreGrid(12, 39, 4)).toEqual({ style: 'bars', columns: 3, rows: 4, cellWidth: 12 });
    expect(coreGrid(16, 39, 4)).toEqual({ style: 'cells', columns: 33, rows: 1, cellWidth: 1 });
    expect(coreGrid(0, 39, 4).rows).toBe(0);
  });
});

describe('processColumns', () => {
  it('keeps PID, state, CPU% and MEM% on narrow terminals', () => {
    expect(processColumns(40).columns.map((c) => c.id)).toEqual(['pid', 'state', 'cpu', 'mem']);
  });
});
