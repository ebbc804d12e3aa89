/** Formatting for `vigil top`: short figures in fixed widths, as htop prints them (1.2G, 340K, 1:23.45). */

const UNITS = ['B', 'K', 'M', 'G', 'T', 'P'];

/** A byte count in at most five characters: "0B", "340K", "1.2G", "15G". Binary units, as free(1) -h and htop use. */
export function shortBytes(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '-';
  let v = Math.max(0, value);
  let i = 0;
  // Promote at 1000 rather than 1024 so that the figure never takes four digits ("1000M" → "1.0G").
  while (v >= 1000 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  if (i === 0) return `${Math.round(v)}B`;
  return `${v < 10 ? v.toFixed(1) : Math.round(v)}${UNITS[i]}`;
}

/** A rate in bytes per second: "1.2M/s". */
export const shortRate = (value: number | null | undefined): string =>
  value === null || value === undefined ? '-' : `${shortBytes(value)}/s`;

/** A percentage with one decimal below 100 and none from 100 up (multi-threaded processes pass 100): "4.2", "250". */
export function percentText(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '-';
  return value >= 99.95 ? String(Math.round(value)) : value.toFixed(1);
}

/** CPU time as htop's TIME+ column: "1:23.45" below an hour, "12h05:10" from an hour up. */
export function cpuTime(seconds: number): string {
  const s = Math.max(0, seconds);
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  if (hours > 0) return `${hours}h${String(minutes).padStart(2, '0')}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
  const secs = s % 60;
  return `${minutes}:${secs.toFixed(2).padStart(5, '0')}`;
}

/** Uptime as "3d 04:12" (days, hours:minutes) or "04:12:33" below a day. */
export function uptimeText(seconds: number): string {
  const s = Math.floor(Math.max(0, seconds));
  const days = Math.floor(s / 86400);
  const p = (n: number) => String(n).padStart(2, '0');
  const hm = `${p(Math.floor((s % 86400) / 3600))}:${p(Math.floor((s % 3600) / 60))}`;
  return days > 0 ? `${days}d ${hm}` : `${hm}:${p(s % 60)}`;
}

/** Local wall-clock time as HH:MM:SS. */
export function clock(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Control characters of a process name or command line, which would move the cursor, made visible. */
export function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to replace them
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

/** Pads or cuts text to exactly `width` columns. A cut label ends with "…" when `ellipsis` is set. */
export function fit(text: string, width: number, align: 'left' | 'right' = 'left', ellipsis = false): string {
  if (width <= 0) return '';
  const chars = [...text];
  if (chars.length > width) return ellipsis && width > 1 ? `${chars.slice(0, width - 1).join('')}…` : chars.slice(0, width).join('');
  const pad = ' '.repeat(width - chars.length);
  return align === 'left' ? text + pad : pad + text;
}

/** Length in terminal columns (one per code point: process names and labels here are not wide characters). */
export const columns = (text: string): number => [...text].length;
