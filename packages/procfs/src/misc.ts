import { fields, ProcfsParseError, toNumber } from './errors.ts';

export interface PressureLineValues {
  avg10: number;
  avg60: number;
  avg300: number;
  total: number;
}

/** Parses /proc/pressure/{cpu,memory,io} (Documentation/accounting/psi.rst): a "some" line and, mostly, a "full" line. */
export function parsePressure(text: string): { some: PressureLineValues; full: PressureLineValues | null } {
  const lines = new Map<string, PressureLineValues>();
  for (const line of text.split('\n')) {
    const parts = fields(line);
    const kind = parts[0];
    if (kind !== 'some' && kind !== 'full') continue;
    const values = new Map(parts.slice(1).map((kv) => kv.split('=') as [string, string]));
    lines.set(kind, {
      avg10: toNumber('/proc/pressure', `${kind}.avg10`, values.get('avg10')),
      avg60: toNumber('/proc/pressure', `${kind}.avg60`, values.get('avg60')),
      avg300: toNumber('/proc/pressure', `${kind}.avg300`, values.get('avg300')),
      total: toNumber('/proc/pressure', `${kind}.total`, values.get('total')),
    });
  }
  const some = lines.get('some');
  if (!some) throw new ProcfsParseError('/proc/pressure', 'no "some" line');
  return { some, full: lines.get('full') ?? null };
}

/** The subset of os-release(5) Vigil reports. Values may be quoted. */
export function parseOsRelease(text: string): { id: string; name: string; version: string | null; prettyName: string } {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (!m) continue;
    let value = m[2] as string;
    if (/^(["']).*\1$/.test(value)) value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    values.set(m[1] as string, value);
  }
  const name = values.get('NAME') ?? 'Linux';
  return {
    id: values.get('ID') ?? 'linux',
    name,
    version: values.get('VERSION_ID') ?? null,
    prettyName: values.get('PRETTY_NAME') ?? name,
  };
}

/** Maps uid to user name from /etc/passwd (passwd(5)). */
export function parsePasswd(text: string): Map<number, string> {
  const users = new Map<number, string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const parts = line.split(':');
    if (parts.length < 3) continue;
    if (!/^\d+$/.test(parts[2] as string)) continue; // an empty or NIS "+" entry names nobody
    const uid = Number(parts[2]);
    if (!users.has(uid)) users.set(uid, parts[0] as string);
  }
  return users;
}

/**
 * Size of one utmp record on Linux with glibc (struct utmp in <bits/utmp.h>): 384 bytes on every 64-bit
 * and 32-bit ABI glibc supports, since ut_tv and ut_session are fixed at 32 bits for compatibility.
 */
export const UTMP_RECORD_BYTES = 384;
const USER_PROCESS = 7;

/** Logged-in sessions in a utmp file: USER_PROCESS records with a user name (utmp(5)). */
export function parseUtmp(buffer: Uint8Array): { sessions: number; users: string[] } {
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const users: string[] = [];
  for (let offset = 0; offset + UTMP_RECORD_BYTES <= buffer.byteLength; offset += UTMP_RECORD_BYTES) {
    if (view.getInt16(offset, true) !== USER_PROCESS) continue;
    const name = buffer.subarray(offset + 44, offset + 76);
    const end = name.indexOf(0);
    const user = new TextDecoder().decode(end < 0 ? name : name.subarray(0, end));
    if (user !== '') users.push(user);
  }
  return { sessions: users.length, users: [...new Set(users)].sort() };
}
