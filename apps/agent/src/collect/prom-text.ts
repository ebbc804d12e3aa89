import type { CustomMetricSample } from '@vigil/schema';

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

export interface TextParse {
  samples: CustomMetricSample[];
  /** Lines that could not be read, with their line numbers. */
  errors: string[];
}

/** Parses a Prometheus sample value: a float, or NaN / +Inf / -Inf. */
function parseValue(text: string): number | null {
  if (text === 'NaN') return Number.NaN;
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return null;
  return Number(text);
}

/**
 * Parses the Prometheus text exposition format (what node_exporter's textfile collector reads, and what a
 * plugin may print): `name{label="value",...} value [timestamp]` lines, with `#` comments (HELP, TYPE).
 * A line that does not parse is reported and skipped; the others are kept.
 */
export function parsePrometheusText(text: string): TextParse {
  const samples: CustomMetricSample[] = [];
  const errors: string[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const name = NAME.exec(line)?.[0];
    if (!name) {
      errors.push(`line ${index + 1}: "${line.slice(0, 80)}" does not start with a metric name`);
      return;
    }
    let rest = line.slice(name.length);
    const labels: Record<string, string> = {};
    if (rest.startsWith('{')) {
      rest = rest.slice(1);
      for (;;) {
        rest = rest.trimStart();
        if (rest.startsWith('}')) {
          rest = rest.slice(1);
          break;
        }
        const label = LABEL_NAME.exec(rest)?.[0];
        if (!label || !rest.slice(label.length).trimStart().startsWith('="')) {
          errors.push(`line ${index + 1}: bad label in "${line.slice(0, 80)}"`);
          return;
        }
        rest = rest.slice(rest.indexOf('="') + 2);
        let value = '';
        let i = 0;
        for (; i < rest.length && rest[i] !== '"'; i++) {
          if (rest[i] === '\\') {
            const next = rest[++i];
            value += next === 'n' ? '\n' : (next ?? '');
          } else value += rest[i];
        }
        if (i >= rest.length) {
          errors.push(`line ${index + 1}: unterminated label value in "${line.slice(0, 80)}"`);
          return;
        }
        labels[label] = value;
        rest = rest.slice(i + 1).trimStart();
        if (rest.startsWith(',')) rest = rest.slice(1);
      }
    }
    const parts = rest.trim().split(/\s+/);
    const value = parseValue(parts[0] ?? '');
    if (value === null || parts.length > 2) {
      errors.push(`line ${index + 1}: "${line.slice(0, 80)}" has no valid value`);
      return;
    }
    samples.push(Object.keys(labels).length > 0 ? { name, value, labels } : { name, value });
  });
  return { samples, errors };
}

/**
 * A plugin's output: either a single number (the sample of the plugin's own name), or exposition lines.
 */
export function parsePluginOutput(pluginName: string, output: string): TextParse {
  const trimmed = output.trim();
  const single = parseValue(trimmed);
  if (single !== null) return { samples: [{ name: pluginName, value: single }], errors: [] };
  if (trimmed === '') return { samples: [], errors: ['the command printed nothing'] };
  return parsePrometheusText(trimmed);
}
