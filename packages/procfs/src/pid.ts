import { fields, ProcfsParseError, toNumber } from './errors.ts';

/** The fields of /proc/[pid]/stat that Vigil uses (proc(5), "/proc/pid/stat"). Times are in clock ticks. */
export interface PidStat {
  pid: number;
  /**
   * The command name: at most 15 characters (TASK_COMM_LEN - 1) for user processes; kernel workers show
   * longer ones ("kworker/0:0H-kblockd"). May contain spaces and parentheses.
   */
  comm: string;
  /** One letter: R S D Z T t X I (and W, P, K on some kernels). */
  state: string;
  ppid: number;
  /** PF_* flags; PF_KTHREAD (0x00200000) marks kernel threads. */
  flags: number;
  minorFaults: number;
  majorFaults: number;
  utime: number;
  stime: number;
  priority: number;
  nice: number;
  numThreads: number;
  /** Ticks after boot at which the process started. */
  starttime: number;
  vsizeBytes: number;
  /** Resident set size in pages. */
  rssPages: number;
}

/** PF_KTHREAD from include/linux/sched.h. */
export const PF_KTHREAD = 0x00200000;

/** The last field of proc(5)'s list that PidStat needs (rss). */
const LAST_FIELD = 24;
/** Scratch space for the numbers of one line (this runs ~300 times a second: no allocation per call). */
const STAT_VALUES = new Array<number>(LAST_FIELD + 1).fill(0);

/**
 * Parses /proc/[pid]/stat. The command name sits between the first "(" and the LAST ")", since a name may
 * itself contain ")" (e.g. a process renamed to "a) b"); the other fields follow it, separated by single
 * spaces (fs/proc/array.c). This runs for every process every second, so the integers are read straight
 * from the character codes instead of splitting the line into ~50 strings.
 */
export function parsePidStat(text: string): PidStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new ProcfsParseError('/proc/[pid]/stat', 'no "(comm)" field');
  const values = STAT_VALUES;
  // Field 3, the state letter, sits right after ") "; numbers start at field 4.
  let i = close + 2;
  const state = text.charAt(i);
  i += 2;
  let field = 4;
  while (field <= LAST_FIELD && i < text.length) {
    let negative = false;
    if (text.charCodeAt(i) === 45 /* - */) {
      negative = true;
      i++;
    }
    let value = 0;
    let digits = 0;
    for (let c = text.charCodeAt(i); c >= 48 && c <= 57; c = text.charCodeAt(++i)) {
      value = value * 10 + (c - 48);
      digits++;
    }
    const next = text.charCodeAt(i);
    if (digits === 0 || (next !== 32 && next !== 10 && i < text.length)) {
      throw new ProcfsParseError('/proc/[pid]/stat', `field ${field} is not an integer`);
    }
    values[field] = negative ? -value : value;
    field++;
    i++;
  }
  if (state === '' || field <= LAST_FIELD) {
    throw new ProcfsParseError('/proc/[pid]/stat', `expected at least ${LAST_FIELD} fields, got ${field - 1}`);
  }
  return {
    pid: toNumber('/proc/[pid]/stat', 'pid', text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    state,
    ppid: values[4] as number,
    flags: values[9] as number,
    minorFaults: values[10] as number,
    majorFaults: values[12] as number,
    utime: values[14] as number,
    stime: values[15] as number,
    priority: values[18] as number,
    nice: values[19] as number,
    numThreads: values[20] as number,
    starttime: values[22] as number,
    vsizeBytes: values[23] as number,
    rssPages: values[24] as number,
  };
}

export interface PidStatus {
  name: string;
  /** Real, effective, saved and filesystem uids. */
  uids: number[];
  gids: number[];
  threads: number | null;
  /** VmRSS in bytes; null for kernel threads and zombies. */
  vmRssBytes: number | null;
}

/** Parses /proc/[pid]/status ("Key:\tvalue" lines). */
export function parsePidStatus(text: string): PidStatus {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) values.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  const file = '/proc/[pid]/status';
  const uid = values.get('Uid');
  if (uid === undefined) throw new ProcfsParseError(file, 'no Uid line');
  const uids = fields(uid).map((text, i) => toNumber(file, `Uid[${i}]`, text));
  if (uids.length === 0) throw new ProcfsParseError(file, 'field Uid is missing');
  const rss = values.get('VmRSS');
  const threads = values.get('Threads');
  return {
    name: values.get('Name') ?? '',
    uids,
    gids: fields(values.get('Gid') ?? '').map((text, i) => toNumber(file, `Gid[${i}]`, text)),
    threads: threads === undefined ? null : toNumber(file, 'Threads', threads),
    vmRssBytes: rss === undefined ? null : toNumber(file, 'VmRSS', rss.replace(/\s*kB$/, '')) * 1024,
  };
}

/** Splits /proc/[pid]/cmdline (NUL-separated arguments). A process may rewrite it with spaces instead. */
export function parseCmdline(text: string): string[] {
  const args = text.split('\0');
  while (args.length > 0 && args[args.length - 1] === '') args.pop();
  return args;
}

export interface PidIo {
  readChars: number;
  writeChars: number;
  readSyscalls: number;
  writeSyscalls: number;
  /** Bytes this process caused to be fetched from storage. */
  readBytes: number;
  /** Bytes this process caused to be sent to storage (at page-dirtying time). */
  writeBytes: number;
  cancelledWriteBytes: number;
}

/** Parses /proc/[pid]/io (Documentation/filesystems/proc.rst, "3.3 /proc/<pid>/io"). */
export function parsePidIo(text: string): PidIo {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) {
      const key = line.slice(0, colon);
      values.set(key, toNumber('/proc/[pid]/io', key, line.slice(colon + 1).trim()));
    }
  }
  if (!values.has('read_bytes')) throw new ProcfsParseError('/proc/[pid]/io', 'no read_bytes line');
  return {
    readChars: values.get('rchar') ?? 0,
    writeChars: values.get('wchar') ?? 0,
    readSyscalls: values.get('syscr') ?? 0,
    writeSyscalls: values.get('syscw') ?? 0,
    readBytes: values.get('read_bytes') ?? 0,
    writeBytes: values.get('write_bytes') ?? 0,
    cancelledWriteBytes: values.get('cancelled_write_bytes') ?? 0,
  };
}

export interface ContainerRef {
  runtime: string;
  id: string;
}

/**
 * Finds the container a process runs in from /proc/[pid]/cgroup, by the cgroup path conventions of the
 * common runtimes (docker, containerd/CRI, CRI-O, podman, LXC, systemd-nspawn). Null for a host process.
 */
export function containerFromCgroup(text: string): ContainerRef | null {
  for (const line of text.split('\n')) {
    const path = line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1);
    let m = /(?:docker-|\/docker\/)([0-9a-f]{12,64})/.exec(path);
    if (m) return { runtime: 'docker', id: m[1] as string };
    m = /cri-containerd-([0-9a-f]{12,64})/.exec(path);
    if (m) return { runtime: 'containerd', id: m[1] as string };
    m = /crio-([0-9a-f]{12,64})/.exec(path);
    if (m) return { runtime: 'cri-o', id: m[1] as string };
    m = /libpod-([0-9a-f]{12,64})/.exec(path);
    if (m) return { runtime: 'podman', id: m[1] as string };
    m = /\/kubepods[^\n]*\/([0-9a-f]{64})/.exec(path);
    if (m) return { runtime: 'kubernetes', id: m[1] as string };
    m = /\/lxc(?:\.payload\.|\/)([^/\s]+)/.exec(path);
    if (m) return { runtime: 'lxc', id: m[1] as string };
    m = /\/machine\.slice\/machine-([^/\s]+)\.scope/.exec(path);
    if (m && !m[1]?.startsWith('qemu')) return { runtime: 'nspawn', id: m[1] as string };
  }
  return null;
}
