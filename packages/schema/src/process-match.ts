// Kept apart from the process schemas (and zod) so that the agent's collector can use it without loading them.

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
