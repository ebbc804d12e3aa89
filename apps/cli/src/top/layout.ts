/**
 * Where everything goes on a terminal of a given size. Pure: the same sizes and counts give the same layout, so
 * the fit at 80x24 and the use of space at 200x50 are unit-tested.
 */

export interface LayoutInput {
  cols: number;
  rows: number;
  cores: number;
  filesystems: number;
  interfaces: number;
  gpus: number;
  /** Block devices with I/O rates. */
  disks: number;
  /** Hosts of the fleet (remote mode); 0 in local mode. */
  hosts: number;
}

/** How per-core usage is drawn: a grid of labelled bars, or one cell per core (▁ to █) when bars do not fit. */
export interface CoreGrid {
  style: 'bars' | 'cells';
  columns: number;
  rows: number;
  cellWidth: number;
}

/** One item of the memory/storage/network/GPU meters, by index into the frame's lists. */
export type MeterItem =
  | { kind: 'memory' }
  | { kind: 'swap' }
  | { kind: 'filesystem'; index: number }
  | { kind: 'disks' }
  | { kind: 'disk'; index: number }
  | { kind: 'network' }
  | { kind: 'interface'; index: number }
  | { kind: 'gpu'; index: number };

export interface MeterColumn {
  x: number;
  width: number;
  items: MeterItem[];
}

export type ProcessColumnId = 'pid' | 'user' | 'nice' | 'state' | 'virt' | 'res' | 'cpu' | 'mem' | 'time' | 'threads' | 'read' | 'write';

export interface ProcessColumn {
  id: ProcessColumnId;
  title: string;
  width: number;
  align: 'left' | 'right';
}

export interface TopLayout {
  width: number;
  /** Rows drawn: the terminal's height. */
  height: number;
  tooSmall: boolean;
  /** Rows of the meters block (CPU, cores, memory, disks, network, GPUs). */
  meterRows: number;
  cpu: { x: number; width: number; history: boolean; cores: CoreGrid };
  meterColumns: MeterColumn[];
  /** Remote mode on tall terminals: the fleet as a grid under the meters. */
  hosts: { rows: number; columns: number; cellWidth: number } | null;
  table: { rows: number; columns: ProcessColumn[]; commandWidth: number };
}

export const MIN_COLS = 40;
export const MIN_ROWS = 10;
const GAP = 2;

/** The table's columns, in screen order, with the priority at which they give way when the width is short (higher goes first). */
const PROCESS_COLUMNS: (ProcessColumn & { drop: number })[] = [
  { id: 'pid', title: 'PID', width: 7, align: 'right', drop: 0 },
  { id: 'user', title: 'USER', width: 8, align: 'left', drop: 4 },
  { id: 'nice', title: 'NI', width: 3, align: 'right', drop: 7 },
  { id: 'state', title: 'S', width: 1, align: 'left', drop: 3 },
  { id: 'virt', title: 'VIRT', width: 5, align: 'right', drop: 8 },
  { id: 'res', title: 'RES', width: 5, align: 'right', drop: 5 },
  { id: 'cpu', title: 'CPU%', width: 5, align: 'right', drop: 0 },
  { id: 'mem', title: 'MEM%', width: 5, align: 'right', drop: 1 },
  { id: 'time', title: 'TIME+', width: 9, align: 'right', drop: 5 },
  { id: 'threads', title: 'THR', width: 4, align: 'right', drop: 6 },
  { id: 'read', title: 'READ/s', width: 7, align: 'right', drop: 7 },
  { id: 'write', title: 'WRIT/s', width: 7, align: 'right', drop: 7 },
];

/** The process columns that fit beside a command column of a fair width (about a third of the screen). */
export function processColumns(width: number): { columns: ProcessColumn[]; commandWidth: number } {
  const minCommand = Math.max(12, Math.floor(width * 0.34));
  let kept = [...PROCESS_COLUMNS];
  const used = () => kept.reduce((sum, c) => sum + c.width + 1, 0);
  for (let drop = 8; drop > 0 && width - used() < minCommand; drop--) kept = kept.filter((c) => c.drop < drop);
  return { columns: kept.map(({ drop: _drop, ...c }) => c), commandWidth: Math.max(1, width - used()) };
}

const CELL_MIN = 12; // "12 ██░░  45%": index, a bar of at least three cells, a percentage
const CELL_COMFORT = 16;

/** The per-core grid that fits `cores` into `rows` rows of `width` columns, preferring fewer, wider bars. */
export function coreGrid(cores: number, width: number, rows: number): CoreGrid {
  if (cores <= 0 || rows <= 0) return { style: 'cells', columns: 0, rows: 0, cellWidth: 0 };
  for (let columns = 1; columns <= cores; columns++) {
    const cellWidth = Math.floor((width + 1) / columns) - 1;
    if (cellWidth < CELL_MIN) break;
    const needed = Math.ceil(cores / columns);
    if (needed <= rows) return { style: 'bars', columns, rows: needed, cellWidth };
  }
  const label = 6; // "0-63  "
  const perRow = Math.max(1, width - label);
  return { style: 'cells', columns: perRow, rows: Math.min(rows, Math.ceil(cores / perRow)), cellWidth: 1 };
}

/**
 * Rows the per-core grid would like: on tall terminals one per core (the meters' cap then decides, and the grid
 * takes as few columns as fit); otherwise comfortable bars (16 columns or more) in as few rows as that allows.
 */
function coreRowsWanted(cores: number, width: number, tall: boolean): number {
  if (tall) return cores;
  const columns = Math.max(1, Math.floor((width + 1) / (CELL_COMFORT + 1)));
  return Math.ceil(cores / columns);
}

/** Picks meter items in order of importance until `slots` are used, then lists them in screen order. */
function pickItems(candidates: { item: MeterItem; rank: number; order: number }[], slots: number): MeterItem[] {
  return [...candidates]
    .sort((a, b) => a.rank - b.rank || a.order - b.order)
    .slice(0, Math.max(0, slots))
    .sort((a, b) => a.order - b.order)
    .map((c) => c.item);
}

/** The layout of `vigil top` for a terminal of `cols` x `rows` and a host with these counts. */
export function computeLayout(input: LayoutInput): TopLayout {
  const width = Math.max(1, input.cols);
  const height = Math.max(1, input.rows);
  const tooSmall = input.cols < MIN_COLS || input.rows < MIN_ROWS;
  const wide = width >= 140;
  const cap = Math.max(3, Math.floor(height / 4));
  const history = height >= 30;

  // Columns of the meters: CPU on the left; memory and storage on the right, with network and GPUs in a
  // third column of their own on wide terminals.
  const cpuWidth = wide ? Math.floor(width * 0.4) : Math.floor((width - GAP) / 2);
  const restX = cpuWidth + GAP;
  const restWidth = width - restX;
  const memWidth = wide ? Math.floor((restWidth - GAP) / 2) : restWidth;
  const netX = restX + memWidth + GAP;
  const netWidth = width - netX;

  const fs = Array.from({ length: input.filesystems }, (_, index) => ({ kind: 'filesystem' as const, index }));
  const gpus = Array.from({ length: input.gpus }, (_, index) => ({ kind: 'gpu' as const, index }));
  const ifaces = Array.from({ length: input.interfaces }, (_, index) => ({ kind: 'interface' as const, index }));

  const disks = Array.from({ length: input.disks }, (_, index) => ({ kind: 'disk' as const, index }));
  const memCandidates = [
    { item: { kind: 'memory' } as MeterItem, rank: 0, order: 0 },
    { item: { kind: 'swap' } as MeterItem, rank: 1, order: 1 },
    ...fs.map((item, i) => ({ item, rank: i === 0 ? 2 : 10 + i, order: 2 + i })),
    // Disk I/O: one line per device on wide terminals, their sum otherwise.
    ...(wide
      ? disks.map((item, i) => ({ item, rank: 30 + i, order: 500 + i }))
      : input.disks > 0
        ? [{ item: { kind: 'disks' } as MeterItem, rank: 9, order: 500 }]
        : []),
  ];
  const netCandidates = [
    ...(input.interfaces > 0 && !wide ? [{ item: { kind: 'network' } as MeterItem, rank: 2, order: 1000 }] : []),
    ...(wide ? ifaces.map((item, i) => ({ item, rank: 2 + i, order: 1000 + i })) : []),
    ...gpus.map((item, i) => ({ item, rank: i === 0 ? 3 : 20 + i, order: 2000 + i })),
  ];

  // Total, sparkline, cores, then up to three lines of detail (time split, tasks, frequency and temperature).
  const cpuWanted = 1 + (history ? 1 : 0) + coreRowsWanted(input.cores, cpuWidth, history) + (history ? 3 : 1);
  const restWanted = wide ? Math.max(memCandidates.length, netCandidates.length) : memCandidates.length + netCandidates.length;
  const meterRows = Math.min(cap, Math.max(3, cpuWanted, restWanted));

  const cores = coreGrid(input.cores, cpuWidth, meterRows - 1 - (history ? 1 : 0));
  const meterColumns: MeterColumn[] = wide
    ? [
        { x: restX, width: memWidth, items: pickItems(memCandidates, meterRows) },
        { x: netX, width: netWidth, items: pickItems(netCandidates, meterRows) },
      ]
    : [{ x: restX, width: restWidth, items: pickItems([...memCandidates, ...netCandidates], meterRows) }];

  // The fleet grid, in remote mode when there is height to spare; on smaller screens the header counts the
  // hosts and H lists them.
  let hosts: TopLayout['hosts'] = null;
  if (input.hosts > 0 && height >= 30) {
    const cellWidth = 38;
    const columns = Math.max(1, Math.floor((width + GAP) / (cellWidth + GAP)));
    hosts = { rows: Math.min(Math.ceil(input.hosts / columns), Math.max(1, Math.floor(height / 8))), columns, cellWidth };
  }

  const fixed = 1 /* header */ + meterRows + (hosts ? hosts.rows + 1 : 0) + 1 /* table header */ + 1; /* footer */
  const table = { rows: Math.max(1, height - fixed), ...processColumns(width) };
  return { width, height, tooSmall, meterRows, cpu: { x: 0, width: cpuWidth, history, cores }, meterColumns, hosts, table };
}
