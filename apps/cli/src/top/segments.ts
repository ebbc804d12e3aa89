import { columns } from './format.ts';

/** The terminal colours `vigil top` uses (Ink/chalk names). */
export type Color = 'green' | 'yellow' | 'red' | 'cyan' | 'blue' | 'magenta' | 'white' | 'black' | 'gray';

/** A run of text in one style. Screens are built as lines of segments by pure functions, then drawn by Ink. */
export interface Segment {
  text: string;
  color?: Color;
  bg?: Color;
  bold?: boolean;
  dim?: boolean;
  inverse?: boolean;
}
export type Line = Segment[];

export type Level = 'ok' | 'warn' | 'critical';

/** Seed 000's colours: green below 50 %, yellow from 50 to 75 %, red above 75 %. */
export function level(percent: number): Level {
  return percent < 50 ? 'ok' : percent <= 75 ? 'warn' : 'critical';
}

export const LEVEL_COLOR: Record<Level, Color> = { ok: 'green', warn: 'yellow', critical: 'red' };

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
const HEIGHTS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/** A horizontal bar of `width` cells filled to `percent` (eighth-cell steps), coloured by level; the rest is dim shade. */
export function bar(percent: number | null | undefined, width: number): Segment[] {
  if (width <= 0) return [];
  if (percent === null || percent === undefined || !Number.isFinite(percent))
    return [{ text: '░'.repeat(width), color: 'gray', dim: true }];
  const p = Math.max(0, Math.min(100, percent));
  const eighths = Math.round((p / 100) * width * 8);
  const full = Math.floor(eighths / 8);
  const partial = full < width ? (EIGHTHS[eighths % 8] ?? '') : '';
  const filled = '█'.repeat(full) + partial;
  const rest = width - full - (partial ? 1 : 0);
  const out: Segment[] = [];
  if (filled) out.push({ text: filled, color: LEVEL_COLOR[level(p)] });
  if (rest > 0) out.push({ text: '░'.repeat(rest), color: 'gray', dim: true });
  return out;
}

/** One cell whose height shows `percent` (▁ to █), for compact per-core rows and sparklines. */
export function miniBar(percent: number | null | undefined): Segment {
  if (percent === null || percent === undefined || !Number.isFinite(percent)) return { text: '·', color: 'gray', dim: true };
  const p = Math.max(0, Math.min(100, percent));
  return { text: HEIGHTS[Math.min(7, Math.floor((p / 100) * 8))] as string, color: LEVEL_COLOR[level(p)] };
}

/** The plain text of a line. */
export const lineText = (line: Line): string => line.map((s) => s.text).join('');

/** Cuts a line to `width` columns and pads it with spaces (in the style of `fill`) to exactly that width. */
export function fitLine(line: Line, width: number, fill: Omit<Segment, 'text'> = {}): Line {
  const out: Line = [];
  let used = 0;
  for (const segment of line) {
    if (used >= width) break;
    const n = columns(segment.text);
    if (used + n <= width) {
      out.push(segment);
      used += n;
    } else {
      out.push({ ...segment, text: [...segment.text].slice(0, width - used).join('') });
      used = width;
    }
  }
  if (used < width) out.push({ ...fill, text: ' '.repeat(width - used) });
  return out;
}

/** Without colours (NO_COLOR, https://no-color.org): bold, dim and inverse stay, so the selection still shows. */
export function withoutColor(line: Line): Line {
  return line.map(({ color: _color, bg, ...rest }) => (bg ? { ...rest, inverse: !rest.inverse } : rest));
}

const sameStyle = (a: Segment, b: Segment) =>
  a.color === b.color && a.bg === b.bg && !!a.bold === !!b.bold && !!a.dim === !!b.dim && !!a.inverse === !!b.inverse;

/** Joins neighbouring segments of the same style: fewer pieces for Ink to lay out and draw. */
export function mergeSegments(line: Line): Line {
  const out: Line = [];
  for (const segment of line) {
    if (!segment.text) continue;
    const last = out[out.length - 1];
    if (last && sameStyle(last, segment)) out[out.length - 1] = { ...last, text: last.text + segment.text };
    else out.push(segment);
  }
  return out;
}
