import * as z from 'zod';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** A duration like "90s", "5m", "1h", "7d", or a number of milliseconds. */
export function parseDuration(text: string): number | null {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(text);
  return m ? Number(m[1]) * (UNITS[m[2] as string] as number) : null;
}

/** A moment as Unix milliseconds, RFC 3339, "now", or relative to now like "-1h" / "-30m". */
export function parseTime(text: string, now: number): number | null {
  if (text === 'now') return now;
  if (/^\d{10,}$/.test(text)) return Number(text);
  if (text.startsWith('-')) {
    const d = parseDuration(text.slice(1));
    return d === null ? null : now - d;
  }
  if (/^\d{4}-\d\d-\d\d(T|$)/.test(text)) {
    const ms = Date.parse(text);
    return Number.isNaN(ms) ? null : ms;
  }
  return null;
}

/** A query-string time, validated: the message names the accepted forms. */
export const TimeParam = z
  .string()
  .refine(
    (t) => parseTime(t, Date.now()) !== null,
    'must be Unix milliseconds, RFC 3339 (2026-01-02T03:04:05Z), "now", or relative like -1h',
  );

export const DurationParam = z.string().refine((t) => parseDuration(t) !== null, 'must be milliseconds or a duration like 30s, 5m, 1h, 7d');
