import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CustomMetricSample, PluginConfig } from '@vigil/schema';
import type { Collector } from './collector.ts';
import { parsePluginOutput, parsePrometheusText } from './prom-text.ts';

interface PluginState {
  config: PluginConfig;
  nextRunMs: number;
  running: boolean;
  /** Samples of a finished run, handed to the next frame once. */
  ready: CustomMetricSample[];
  error: string | null;
}

/**
 * Custom metrics: plugins (commands run on their own interval, in the background so a slow one never
 * delays a frame; each run's samples go out in the next frame) and a textfile folder of *.prom files in the
 * Prometheus text format, re-read when a file changes, its samples sent every cycle.
 */
export function customCollector(plugins: readonly PluginConfig[], textfileDir?: string): Collector {
  const states: PluginState[] = plugins.map((config) => ({ config, nextRunMs: 0, running: false, ready: [], error: null }));
  const files = new Map<string, { mtimeMs: number; samples: CustomMetricSample[]; error: string | null }>();

  const run = (state: PluginState, now: number) => {
    state.running = true;
    state.nextRunMs = now + state.config.interval * 1000;
    execFile(
      '/bin/sh',
      ['-c', state.config.command],
      { timeout: state.config.timeout * 1000, maxBuffer: 1024 * 1024 },
      (error, stdout, stderr) => {
        state.running = false;
        if (error) {
          const why = error.killed
            ? `timed out after ${state.config.timeout} s`
            : `exited with ${error.code ?? error.signal}${stderr.trim() ? `: ${stderr.trim().split('\n').at(-1)}` : ''}`;
          state.error = `plugin ${state.config.name}: ${why}`;
          return;
        }
        const { samples, errors } = parsePluginOutput(state.config.name, stdout);
        state.ready = samples;
        state.error = errors.length > 0 ? `plugin ${state.config.name}: ${errors[0]}` : null;
      },
    );
  };

  const readTextfiles = (dir: string): string[] => {
    const errors: string[] = [];
    let names: string[];
    try {
      names = readdirSync(dir).filter((n) => n.endsWith('.prom'));
    } catch (error) {
      return [`textfile folder ${dir}: ${(error as Error).message}`];
    }
    for (const name of [...files.keys()]) if (!names.includes(name)) files.delete(name);
    for (const name of names) {
      const path = join(dir, name);
      try {
        const mtimeMs = statSync(path).mtimeMs;
        if (files.get(name)?.mtimeMs === mtimeMs) continue;
        const { samples, errors: problems } = parsePrometheusText(readFileSync(path, 'utf8'));
        files.set(name, { mtimeMs, samples, error: problems[0] ? `${name} ${problems[0]}` : null });
      } catch (error) {
        files.delete(name);
        errors.push(`${name}: ${(error as Error).message}`);
      }
    }
    for (const f of files.values()) if (f.error) errors.push(f.error);
    return errors;
  };

  return {
    name: 'custom',
    collect(ctx, out) {
      const now = ctx.monotonicMs;
      const samples: CustomMetricSample[] = [];
      const errors: string[] = [];
      for (const state of states) {
        if (!state.running && now >= state.nextRunMs) run(state, now);
        samples.push(...state.ready);
        state.ready = [];
        if (state.error) errors.push(state.error);
      }
      if (textfileDir) {
        errors.push(...readTextfiles(textfileDir));
        for (const f of files.values()) samples.push(...f.samples);
      }
      if (samples.length > 0) out.custom = samples;
      // A problem with one plugin or file is reported; the others' samples still go out.
      if (errors.length > 0) throw Object.assign(new Error(errors.join('; ')), { partial: true });
    },
  };
}
