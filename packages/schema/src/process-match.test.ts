import { describe, expect, it } from 'vitest';
import { compileNameMatcher, isNamePattern, processNameMatches } from './process-match.ts';

describe('process name patterns', () => {
  it.each([
    ['nginx', 'nginx', true],
    ['nginx', 'nginx-worker', false],
    ['/^nginx/', 'nginx-worker', true],
    ['/^NGINX$/i', 'nginx', true],
    ['/java|jvm/', 'postgres', false],
    ['/[unclosed/', '[unclosed', false],
  ])('%s against %s: %s', (pattern, name, expected) => {
    expect(processNameMatches(pattern, name)).toBe(expected);
    expect(compileNameMatcher(pattern)(name)).toBe(expected);
  });

  it('tells regex patterns from exact names', () => {
    expect(isNamePattern('/^a/')).toBe(true);
    expect(isNamePattern('a/b')).toBe(false);
  });

  it('gives the same answer on every call, even for a global regex kept between calls', () => {
    // A g-flag RegExp remembers where it stopped; a compiled matcher must start over for each name.
    const answers = Array.from({ length: 4 }, () => processNameMatches('/java/g', 'java'));
    expect(answers).toEqual([true, true, true, true]);
  });
});
