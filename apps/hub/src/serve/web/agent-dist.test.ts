import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { renderInstaller, shellQuote } from './agent-dist.ts';

const TEMPLATE = '#!/bin/sh\nset -eu\n\n# The hub writes its URL here.\nVIGIL_HUB_DEFAULT=\'\'\necho "$VIGIL_HUB_DEFAULT"\n';

describe('renderInstaller', () => {
  it("writes the hub's URL into the one line meant for it", () => {
    const script = renderInstaller(TEMPLATE, 'https://vigil.example.com');
    expect(script).toBe(TEMPLATE.replace("VIGIL_HUB_DEFAULT=''", "VIGIL_HUB_DEFAULT='https://vigil.example.com'"));
  });

  it.each([
    'https://vigil.example.com/x',
    "https://example.com/it's",
    'http://a/$(touch /tmp/pwned)`id`',
    'http://a/$&$1', // replacement patterns of String.replace stay literal
  ])('quotes %s so that sh reads it back unchanged', (url) => {
    expect(execFileSync('sh', ['-c', renderInstaller(TEMPLATE, url)], { encoding: 'utf8' })).toBe(`${url}\n`);
  });

  it('refuses a template without the line', () => {
    expect(() => renderInstaller('#!/bin/sh\n', 'http://a')).toThrow("VIGIL_HUB_DEFAULT=''");
  });
});

describe('shellQuote', () => {
  it.each([
    ['', "''"],
    ['plain', "'plain'"],
    ["it's", "'it'\\''s'"],
  ])('%j → %s', (value, quoted) => {
    expect(shellQuote(value)).toBe(quoted);
  });
});
