import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGone, readText, readTextOrNull } from './read.ts';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-read-'));
  writeFileSync(join(dir, 'loadavg'), '0.10 0.13 0.07 1/424 8779\n');
  writeFileSync(join(dir, 'empty'), '');
  writeFileSync(join(dir, 'latin1'), Buffer.from([0x63, 0x61, 0x66, 0xe9])); // "café" in Latin-1
  writeFileSync(join(dir, 'utf8'), 'café ✓\n');
  mkdirSync(join(dir, 'subdir'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readText', () => {
  it('reads a small file', () => {
    expect(readText(join(dir, 'loadavg'))).toBe('0.10 0.13 0.07 1/424 8779\n');
  });

  it('reads an empty file', () => {
    expect(readText(join(dir, 'empty'))).toBe('');
  });

  it.each([64 * 1024 - 1, 64 * 1024, 64 * 1024 + 1, 300_000])('reads a file of %i bytes whole, growing its buffer', (size) => {
    const content = Array.from({ length: size }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
    const path = join(dir, `big-${size}`);
    writeFileSync(path, content);
    expect(readText(path)).toBe(content);
    // The shared buffer must not leak the previous, longer content into a shorter read.
    expect(readText(join(dir, 'loadavg'))).toBe('0.10 0.13 0.07 1/424 8779\n');
  });

  it('keeps every byte as Latin-1 by default', () => {
    expect(readText(join(dir, 'latin1'))).toBe('café');
  });

  it('decodes UTF-8 when asked', () => {
    expect(readText(join(dir, 'utf8'), 'utf8')).toBe('café ✓\n');
  });

  it('reads a generated /proc file as fs.readFileSync does', () => {
    expect(readText('/proc/self/cmdline')).toBe(readFileSync('/proc/self/cmdline', 'latin1'));
  });

  it.each([
    ['a missing file', 'missing', 'ENOENT'],
    ['a directory', 'subdir', 'EISDIR'],
  ])('throws for %s', (_case, name, code) => {
    expect(() => readText(join(dir, name))).toThrow(expect.objectContaining({ code }));
  });
});

describe('readTextOrNull', () => {
  it('reads a file that exists', () => {
    expect(readTextOrNull(join(dir, 'loadavg'))).toBe('0.10 0.13 0.07 1/424 8779\n');
  });

  it.each([
    ['a missing file (ENOENT)', 'missing'],
    ['a path through a file (ENOTDIR)', 'loadavg/stat'],
    ['a missing directory', 'no-such-pid/stat'],
  ])('returns null for %s', (_case, name) => {
    expect(readTextOrNull(join(dir, name))).toBeNull();
  });

  it('throws other errors (EISDIR)', () => {
    expect(() => readTextOrNull(join(dir, 'subdir'))).toThrow(expect.objectContaining({ code: 'EISDIR' }));
  });
});

describe('isGone', () => {
  it.each([
    ['ENOENT', true],
    ['ESRCH', true],
    ['ENOTDIR', true],
    ['EACCES', false],
    ['EIO', false],
    ['EISDIR', false],
    [undefined, false],
  ])('classifies code %s as gone: %s', (code, gone) => {
    expect(isGone(Object.assign(new Error('x'), { code }))).toBe(gone);
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'ENOENT'],
  ])('treats %s as not gone', (_case, value) => {
    expect(isGone(value)).toBe(false);
  });
});
