import type { Logger } from '@vigil/agent';

/** Log lines for people at a terminal or in journald: time, level, message, on stderr. */
export function consoleLogger(component: string): Logger {
  const line = (level: string, message: string) => process.stderr.write(`${new Date().toISOString()} ${level} ${component}: ${message}\n`);
  return {
    info: (m) => line('info', m),
    warn: (m) => line('warn', m),
    error: (m) => line('error', m),
  };
}
