// Kept apart from the process schemas: in the bundled `vigil` command (esbuild drops unused modules of this package,
// see package.json's sideEffects), the collector uses it without loading them.

/** Whether a process name matches a pattern: the exact name, or /regex/flags. Used by process alert rules. */
export function processNameMatches(pattern: string, name: string): boolean {
  const m = /^\/(.+)\/([a-z]*)$/.exec(pattern);
  if (!m) return name === pattern;
  try {
    return new RegExp(m[1] as string, m[2]).test(name);
  } catch {
    return false;
  }
}
