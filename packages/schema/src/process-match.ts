// Kept apart from the process schemas: in the bundled `vigil` command (esbuild drops unused modules of this package,
// see package.json's sideEffects), the collector uses it without loading them.

/** A process name pattern: /regex/flags; anything else is an exact name. */
const REGEX_PATTERN = /^\/(.+)\/([a-z]*)$/;

/** Whether a pattern is a /regex/flags (rather than an exact name). */
export function isNamePattern(pattern: string): boolean {
  return REGEX_PATTERN.test(pattern);
}

/**
 * A pattern compiled once into a test of names: the exact name, or /regex/flags. A regex that does not compile
 * matches nothing. Used where a pattern is tried against many names (every process, every frame).
 */
export function compileNameMatcher(pattern: string): (name: string) => boolean {
  const m = REGEX_PATTERN.exec(pattern);
  if (!m) return (name) => name === pattern;
  let re: RegExp;
  try {
    re = new RegExp(m[1] as string, m[2]);
  } catch {
    return () => false;
  }
  return (name) => {
    // A fresh RegExp starts at 0; so does this one, even with the g or y flag.
    re.lastIndex = 0;
    try {
      return re.test(name);
    } catch {
      return false;
    }
  };
}

const matchers = new Map<string, (name: string) => boolean>();

/**
 * Whether a process name matches a pattern: the exact name, or /regex/flags. Used by process alert rules and the
 * agent's followed names. Patterns are few and come back every cycle: each is compiled once.
 */
export function processNameMatches(pattern: string, name: string): boolean {
  let matches = matchers.get(pattern);
  if (!matches) {
    // Bounded: only guards a long-running process whose patterns keep changing.
    if (matchers.size >= 1000) matchers.clear();
    matches = compileNameMatcher(pattern);
    matchers.set(pattern, matches);
  }
  return matches(name);
}
