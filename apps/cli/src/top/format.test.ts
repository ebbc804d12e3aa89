import { describe, expect, it } from 'vitest';
import { cpuTime, fit, percentText, printable, shortBytes, shortRate, uptimeText } from './format.ts';
import { bar, fitLine, level, lineText, mergeSegments, miniBar, withoutColor } from './segments.ts';

describe('figures', () => {
  it.each([
    [0, '0B'],
    [999, '999B'],
    [1000, '1.0K'],
    [340 * 1024, '340K'],
    [1.5 * 1024 ** 2, '1.5M'],
    [999 * 1024 ** 2, '999M'],
    [1000 * 1024 ** 2, '1.0G'],
    [24 * 1024 ** 3, '24G'],
    [null, '-'],
    [Number.NaN, '-'],
  ])('shortBytes(%s) is %s', (value, text) => {
    expect(shortBytes(value)).toBe(text);
  });

  it('rates, percentages, CPU time and uptime as htop prints them', () => {
    expect(shortRate(1.5 * 1024 ** 2)).toBe('1.5M/s');
    expect(shortRate(null)).toBe('-');
    expect([percentText(0), percentText(4.25), percentText(99.96), percentText(250.4), percentText(null)]).toEqual([
      '0.0',
      '4.3',
      '100',
      '250',
      '-',
    ]);
    expect([cpuTime(0), cpuTime(83.456), cpuTime(3600 * 12 + 310), cpuTime(3600 * 150)]).toEqual([
      '0:00.00',
      '1:23.46',
      '12h05:10',
      '150h00:00',
    ]);
    expect([uptimeText(59), uptimeText(3 * 86400 + 4 * 3600 + 12 * 60 + 9)]).toEqual(['00:00:59', '3d 04:12']);
  });

  it('fit pads and cuts to the width, with an ellipsis for labels', () => {
    expect(fit('abc', 5)).toBe('abc  ');
    expect(fit('abc', 5, 'right')).toBe('  abc');
    expect(fit('abcdef', 4)).toBe('abcd');
    expect(fit('abcdef', 4, 'left', true)).toBe('abc…');
    expect(fit('abc', 0)).toBe('');
  });

  it('control characters of names cannot move the cursor', () => {
    expect(printable('evil\u001b[2Jname\n')).toBe('evil?[2Jname?');
  });
});

describe('bars and colours', () => {
  it('seed 000 thresholds: green below 50, yellow 50 to 75, red above 75', () => {
    expect([level(0), level(49.9), level(50), level(75), level(75.1), level(100)]).toEqual([
      'ok',
      'ok',
      'warn',
      'warn',
      'critical',
      'critical',
    ]);
  });

  it('a bar fills its width in eighths, coloured by level, the rest shaded', () => {
    expect(bar(50, 10)).toEqual([
      { text: '█████', color: 'yellow' },
      { text: '░░░░░', color: 'gray', dim: true },
    ]);
    expect(lineText(bar(12.5, 4))).toBe('▌░░░');
    expect(bar(30, 4)[0]?.color).toBe('green');
    expect(bar(90, 4)[0]?.color).toBe('red');
    expect(lineText(bar(100, 4))).toBe('████');
    expect(lineText(bar(250, 4))).toBe('████');
    expect(lineText(bar(null, 4))).toBe('░░░░');
    for (const p of [0, 1, 33, 66.6, 99, 100]) expect([...lineText(bar(p, 7))]).toHaveLength(7);
  });

  it('a one-cell bar grows from ▁ to █', () => {
    expect([miniBar(0).text, miniBar(50).text, miniBar(100).text, miniBar(null).text]).toEqual(['▁', '▅', '█', '·']);
  });

  it('lines are cut or padded to the width', () => {
    expect(lineText(fitLine([{ text: 'abc' }, { text: 'def' }], 4))).toBe('abcd');
    expect(lineText(fitLine([{ text: 'ab' }], 4))).toBe('ab  ');
  });

  it('without colour, a background becomes inverse video and colours go', () => {
    expect(
      withoutColor([
        { text: 'a', color: 'red', bold: true },
        { text: 'b', color: 'black', bg: 'cyan' },
      ]),
    ).toEqual([
      { text: 'a', bold: true },
      { text: 'b', inverse: true },
    ]);
  });

  it('neighbours of one style are merged', () => {
    expect(mergeSegments([{ text: 'a' }, { text: 'b' }, { text: '' }, { text: 'c', bold: true }])).toEqual([
      { text: 'ab' },
      { text: 'c', bold: true },
    ]);
  });
});
