/**
 * @vigil/procfs: pure parsers of /proc and /sys text, and ProcFs/SysFs readers rooted where the caller says.
 * Parsers never do I/O; readers never parse by hand.
 */
export * from './cpuinfo.ts';
export * from './diskstats.ts';
export * from './errors.ts';
export * from './loadavg.ts';
export * from './meminfo.ts';
export * from './misc.ts';
export * from './mounts.ts';
export * from './net-dev.ts';
export * from './net-sockets.ts';
export * from './pid.ts';
export * from './pid-files.ts';
export * from './procfs.ts';
export * from './read.ts';
export * from './stat.ts';
export * from './sysfs.ts';
export * from './sysfs-parsers.ts';
