import { seed003HistoryStamp } from '@vigil/schema';

/**
 * Seed 003's keys, under an optional prefix:
 *   list.json · <hostname>.json · history/<hostname>/<YYYYMMDD_HHMMSS>.json (UTC).
 */
export class ArchiveLayout {
  readonly prefix: string;

  /** `prefix` may be given with or without its slashes: "vigil", "/vigil/" and "vigil/" are the same folder. */
  constructor(prefix = '') {
    const trimmed = prefix.replace(/^\/+|\/+$/g, '');
    this.prefix = trimmed ? `${trimmed}/` : '';
  }

  get list(): string {
    return `${this.prefix}list.json`;
  }

  latest(hostname: string): string {
    return `${this.prefix}${hostname}.json`;
  }

  history(hostname: string, ts: number): string {
    return `${this.prefix}history/${hostname}/${seed003HistoryStamp(ts)}.json`;
  }
}

/**
 * The name a host is filed under. Host names (RFC 1123: letters, digits, '-', '.') pass unchanged; any other
 * character, '/' above all, would make another key, so it becomes '_'. A host called "list" would overwrite
 * list.json with its document, so it is filed as "_list".
 */
export function archiveName(hostname: string): string {
  const safe = hostname.replace(/[^A-Za-z0-9._-]/g, '_');
  return safe === 'list' ? '_list' : safe;
}
