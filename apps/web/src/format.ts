/** Formatting for people: sizes in binary units, rates, percentages, durations, times. */

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function bytes(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  let v = Math.abs(value);
  let i = 0;
  while (v >= 1024 && i < BYTE_UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return `${value < 0 ? '-' : ''}${v.toFixed(i === 0 ? 0 : digits)} ${BYTE_UNITS[i]}`;
}

export const rate = (value: number | null | undefined) => (value === null || value === undefined ? '–' : `${bytes(value)}/s`);

export function percent(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '–' : `${value.toFixed(digits)} %`;
}

export function number(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return value.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '–';
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min`;
  return `${s} s`;
}

export function time(ms: number | null | undefined, withDate = false): string {
  if (ms === null || ms === undefined) return '–';
  const d = new Date(ms);
  return withDate ? d.toLocaleString() : d.toLocaleTimeString();
}

const two = (n: number) => String(n).padStart(2, '0');

/**
 * A time axis tick (`seconds` since the epoch, local time) for ticks `step` seconds apart: one line, as short as the
 * step allows: "14:05:30" under a minute, "14:05" under a day, else "11/23". A tick at local midnight shows its date,
 * so a 24 h chart says where the day changes.
 */
export function axisTime(seconds: number, step: number): string {
  const d = new Date(seconds * 1000);
  const date = `${d.getMonth() + 1}/${d.getDate()}`;
  if (step >= 86_400) return date;
  const hm = `${two(d.getHours())}:${two(d.getMinutes())}`;
  if (step < 60) return `${hm}:${two(d.getSeconds())}`;
  return d.getHours() === 0 && d.getMinutes() === 0 ? date : hm;
}

export function ago(ms: number | null | undefined, now = Date.now()): string {
  if (!ms) return 'never';
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 5) return 'just now';
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 129600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

/** Seed 000's colours: green below 50 %, yellow 50 to 75 %, red above; the thresholds can be changed in Settings. */
export interface Thresholds {
  warn: number;
  critical: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = { warn: 50, critical: 75 };

export function level(value: number | null | undefined, t: Thresholds = DEFAULT_THRESHOLDS): 'ok' | 'warn' | 'critical' | 'none' {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'none';
  return value < t.warn ? 'ok' : value <= t.critical ? 'warn' : 'critical';
}
