import { EventEmitter } from 'node:events';

// xterm control sequences (ctlseqs): synchronized output (2026), cursor position, erase to end of line, SGR reset.
const BEGIN_SYNC = '\u001b[?2026h';
const END_SYNC = '\u001b[?2026l';
const HIDE_CURSOR = '\u001b[?25l';
const ERASE_LINE_END = '\u001b[K';
const RESET = '\u001b[0m';
const at = (row: number) => `\u001b[${row + 1};1H`;

// biome-ignore lint/suspicious/noControlCharactersInRegex: strips escape sequences to measure text
const ESCAPES = /\u001b\[[0-9;?]*[A-Za-z]|\u001b\][^\u0007]*\u0007/g;

/** Columns a line of styled text takes (escape sequences excluded; one column per code point). */
export const visibleWidth = (line: string): number => [...line.replace(ESCAPES, '')].length;

/**
 * Paints whole frames on a full-screen terminal, rewriting only the lines that changed, each at its absolute row,
 * inside a synchronized update: nothing is cleared between frames, so nothing flickers, and the bottom row can be
 * used (a renderer that tracks the cursor relative to its output must leave it free, or the screen scrolls).
 * Frames written in one turn of the event loop are painted once, as the last of them.
 */
export class FrameWriter {
  private previous: string[] = [];
  private pending: string | null = null;
  private scheduled = false;

  constructor(
    private readonly out: (text: string) => void,
    private readonly columns: () => number,
    private readonly schedule: (paint: () => void) => void = setImmediate,
  ) {}

  /** Takes a frame (lines joined by \n); it is painted on the next turn. */
  write(frame: string): void {
    this.pending = frame;
    if (this.scheduled) return;
    this.scheduled = true;
    this.schedule(() => this.flush());
  }

  /** Forgets what the screen shows (after it was cleared): the next frame is painted in full. */
  reset(): void {
    this.previous = [];
  }

  /** Paints the pending frame now. */
  flush(): void {
    this.scheduled = false;
    const frame = this.pending;
    this.pending = null;
    if (frame === null) return;
    const lines = frame.split('\n');
    const width = this.columns();
    let out = '';
    for (const [row, line] of lines.entries()) {
      if (line === this.previous[row]) continue;
      // A line that reaches the last column needs no erase: the cursor waits there, and an erase would take that column.
      out += at(row) + line + RESET + (visibleWidth(line) < width ? ERASE_LINE_END : '');
    }
    for (let row = lines.length; row < this.previous.length; row++) out += at(row) + ERASE_LINE_END;
    this.previous = lines;
    if (out) this.out(BEGIN_SYNC + HIDE_CURSOR + out + END_SYNC);
  }
}

/**
 * The stream Ink renders into: in debug mode Ink writes each whole frame, which goes to the frame writer; the
 * size is the terminal's.
 */
export class FrameStream extends EventEmitter {
  readonly isTTY = true;
  constructor(
    private readonly writer: FrameWriter,
    private readonly terminal: { columns?: number; rows?: number },
  ) {
    super();
  }

  get columns(): number {
    return this.terminal.columns || 80;
  }

  get rows(): number {
    return this.terminal.rows || 24;
  }

  write(data: string): boolean {
    this.writer.write(data);
    return true;
  }
}
