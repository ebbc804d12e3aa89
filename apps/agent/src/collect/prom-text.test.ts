import { describe, expect, it } from 'vitest';
import { parsePluginOutput, parsePrometheusText } from './prom-text.ts';

describe('parsePrometheusText', () => {
  it('reads samples with and without labels, skipping comments and blank lines', () => {
    const text = [
      '# HELP backup_last_success_seconds When the last backup finished.',
      '# TYPE backup_last_success_seconds gauge',
      'backup_last_success_seconds 1.7e9',
      '',
      'queue_depth{queue="mail",region="eu-1"} 12',
      'queue_depth{queue="with \\"quotes\\" and \\\\"} 3 1700000000000',
      'temperature_celsius{sensor="x"} -4.5',
      'weird_value NaN',
      'big +Inf',
    ].join('\n');
    const { samples, errors } = parsePrometheusText(text);
    expect(errors).toEqual([]);
    expect(samples).toEqual([
      { name: 'backup_last_success_seconds', value: 1.7e9 },
      { name: 'queue_depth', value: 12, labels: { queue: 'mail', region: 'eu-1' } },
      { name: 'queue_depth', value: 3, labels: { queue: 'with "quotes" and \\' } },
      { name: 'temperature_celsius', value: -4.5, labels: { sensor: 'x' } },
      { name: 'weird_value', value: Number.NaN },
      { name: 'big', value: Number.POSITIVE_INFINITY },
    ]);
  });

  it.each([
    ['no name', '{a="b"} 1', /does not start with a metric name/],
    ['a bad label', 'm{1a="b"} 1', /bad label/],
    ['an unterminated value', 'm{a="b} 1', /unterminated label value/],
    ['no value', 'm{a="b"}', /has no valid value/],
    ['a word for a value', 'm lots', /has no valid value/],
    ['too many fields', 'm 1 2 3', /has no valid value/],
  ])('reports %s and keeps the good lines', (_, bad, message) => {
    const { samples, errors } = parsePrometheusText(`good 1\n${bad}\nalso_good 2`);
    expect(samples.map((s) => s.name)).toEqual(['good', 'also_good']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^line 2: /);
    expect(errors[0]).toMatch(message);
  });
});

describe('parsePluginOutput', () => {
  it('takes a single number as the plugin’s own metric', () => {
    expect(parsePluginOutput('db_connections', ' 42\n')).toEqual({ samples: [{ name: 'db_connections', value: 42 }], errors: [] });
  });
  it('takes name value lines otherwise', () => {
    expect(parsePluginOutput('x', 'a 1\nb{k="v"} 2').samples).toEqual([
      { name: 'a', value: 1 },
      { name: 'b', value: 2, labels: { k: 'v' } },
    ]);
  });
  it('reports empty output', () => {
    expect(parsePluginOutput('x', '   ').errors).toEqual(['the command printed nothing']);
  });
});
