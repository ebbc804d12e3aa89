/** Figures for people, as the dashboard writes them (apps/web/src/format.ts): binary byte units, "45.3 %", "3 h 10 min". */

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
const DASH = '–';

export function bytes(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return DASH;
  let v = Math.abs(value);
  let i = 0;
  while (v >= 1024 && i < BYTE_UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return `${value < 0 ? '-' : ''}${v.toFixed(i === 0 ? 0 : digits)} ${BYTE_UNITS[i]}`;
}

export const rate = (value: number | null | undefined) => (value === null || value === undefined ? DASH : `${bytes(value)}/s`);

export function percent(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined || !Number.isFinite(value) ? DASH : `${value.toFixed(digits)} %`;
}

export function decimal(value: number | null | undefined, digits = 2): string {
  return value === null || value === undefined || !Number.isFinite(value) ? DASH : value.toFixed(digits);
}

/** A value in its catalogue unit. */
export function figure(value: number | null | undefined, unit: string): string {
  if (unit === 'percent') return percent(value);
  if (unit === 'bytes_per_second') return rate(value);
  if (unit === 'bytes') return bytes(value);
  return decimal(value);
}

/** "3 h 10 min", "2 d 4 h", "45 min", "30 s". */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return DASH;
  const s = Math.round(ms / 1000);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return h > 0 ? `${d} d ${h} h` : `${d} d`;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  if (m > 0) return `${m} min`;
  return `${s} s`;
}

/** Days as "14 h" below two days, else "5.3 days". */
export function days(value: number): string {
  return value < 2 ? duration(value * 86_400_000) : `${value.toFixed(1)} days`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The hub's time zone as "UTC" or "UTC+02:00" (report times are the hub's local time). */
export function zone(ms: number): string {
  const offset = -new Date(ms).getTimezoneOffset();
  if (offset === 0) return 'UTC';
  const a = Math.abs(offset);
  return `UTC${offset > 0 ? '+' : '-'}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

/** "2026-01-01 14:05" in the hub's local time. */
export function dateTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** "14:05", or "01-02 14:05" when the window spans days. */
export function clock(ms: number, withDate: boolean): string {
  const d = new Date(ms);
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return withDate ? `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${hm}` : hm;
}

/** A window length: "24 hours", "90 minutes", "7 days". */
export function windowLength(hours: number): string {
  if (hours < 1) return `${Math.round(hours * 60)} minutes`;
  if (hours >= 48 && hours % 24 === 0) return `${hours / 24} days`;
  return `${Number.isInteger(hours) ? hours : hours.toFixed(1)} hour${hours === 1 ? '' : 's'}`;
}

const METRIC_NAMES: Record<string, string> = {
  cpu_usage_percent: 'CPU',
  memory_used_percent: 'Memory',
  load1: 'Load (1 min)',
  network_receive_bytes_per_second: 'Network received',
  network_transmit_bytes_per_second: 'Network sent',
  disk_used_percent: 'Disk',
};

/** A report figure's name for people: "CPU", "Disk /var", "Network received". */
export function metricName(metric: string, label: string | null): string {
  const name = METRIC_NAMES[metric] ?? metric;
  return label ? `${name} ${label}` : name;
}

/** The alert figures of a host in a sentence. */
export function alertLine(a: { total: number; firing: number; firingMs: number; meanTimeToResolveMs: number | null }): string {
  if (a.total === 0) return 'No alert fired in this window.';
  const resolved = a.meanTimeToResolveMs !== null ? `, resolved in ${duration(a.meanTimeToResolveMs)} on average` : '';
  return `${a.total} fired (${a.firing} still firing), ${duration(a.firingMs)} firing in all${resolved}.`;
}
