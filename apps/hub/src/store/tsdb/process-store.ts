import type { HistoryDb } from './db.ts';
import { decodeBlock } from './process-block.ts';
import { decodeMinute, type ProcessFrame } from './process-history.ts';

/** Process blocks span this long (from a per-host offset, so that hosts do not all close theirs at once). */
export const BLOCK_MS = 30 * 60_000;

export interface PendingBlock {
  host: string;
  start: number;
  end: number;
  data: Buffer;
}

interface BlockRow {
  start: number;
  end: number;
  format: number;
  data: Buffer;
}

/**
 * The process_blocks table: process history of closed blocks (format 2), and minutes moved over from the
 * first format. Reads take blocks not yet written (`pending`) into account.
 */
export class ProcessBlocks {
  private readonly statements;

  constructor(
    db: HistoryDb,
    private readonly pending: () => readonly PendingBlock[],
  ) {
    this.statements = {
      insert: db.prepare('INSERT OR REPLACE INTO process_blocks (host, start, end, format, data) VALUES (?, ?, ?, 2, ?)'),
      range: db.prepare(
        'SELECT start, end, format, data FROM process_blocks WHERE host = ? AND start >= ? AND start <= ? AND end >= ? ORDER BY start',
      ),
      before: db.prepare('SELECT start, end, format, data FROM process_blocks WHERE host = ? AND start <= ? ORDER BY start DESC LIMIT 1'),
      at: db.prepare('SELECT start, end, format, data FROM process_blocks WHERE host = ? AND start = ?'),
    };
  }

  write(block: PendingBlock): void {
    this.statements.insert.run(block.host, block.start, block.end, block.data);
  }

  private decode(row: BlockRow): ProcessFrame[] {
    return row.format === 1 ? decodeMinute(row.data) : decodeBlock(row.data);
  }

  /** Frames of the stored block that starts at `start`, if any. */
  at(host: string, start: number): ProcessFrame[] {
    const row = this.statements.at.get(host, start) as BlockRow | undefined;
    return row ? this.decode(row) : [];
  }

  /** Frames of stored and pending blocks overlapping [from, to], oldest first (not filtered to the range). */
  frames(host: string, from: number, to: number): ProcessFrame[] {
    const frames: ProcessFrame[] = [];
    const rows = this.statements.range.all(host, from - BLOCK_MS, to, from) as BlockRow[];
    const pending = this.pending().filter((b) => b.host === host && b.end >= from && b.start <= to);
    for (const row of rows) if (!pending.some((b) => b.start === row.start)) frames.push(...this.decode(row));
    for (const b of pending) frames.push(...decodeBlock(b.data));
    return frames.sort((a, b) => a.ts - b.ts);
  }

  /** Frames of the latest stored or pending block starting at or before `ts`. */
  lastBlockBefore(host: string, ts: number): ProcessFrame[] {
    const row = this.statements.before.get(host, ts) as BlockRow | undefined;
    let best: { start: number; frames: () => ProcessFrame[] } | null = row ? { start: row.start, frames: () => this.decode(row) } : null;
    for (const b of this.pending())
      if (b.host === host && b.start <= ts && (!best || b.start >= best.start))
        best = { start: b.start, frames: () => decodeBlock(b.data) };
    return best ? best.frames() : [];
  }
}
