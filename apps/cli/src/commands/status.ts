import { styleText } from 'node:util';
import { Alert, Health, HostSummary } from '@vigil/schema';
import { Command } from 'commander';
import * as z from 'zod';
import { hubJson, resolveHub } from '../hub-client.ts';
import { parseOptions } from '../usage.ts';

const Options = z.object({ json: z.boolean().optional(), hub: z.url().optional(), token: z.string().optional() });

const paint = (format: Parameters<typeof styleText>[0], text: string) =>
  process.stdout.isTTY ? styleText(format, text, { stream: process.stdout }) : text;

const pct = (v: number | null) => (v === null ? '   –' : `${v.toFixed(0).padStart(3)}%`);

/**
 * `vigil status`: the hub's health, its hosts and what fires. Exit status 1 when something is critical
 * (a host offline, a critical alert firing), so it can gate a script or a cron mail; 2 when the hub
 * cannot be asked (down, wrong token).
 */
export function statusCommand(): Command {
  return new Command('status')
    .description('Hub health, hosts online and offline, firing alerts; exits 1 when something is critical.')
    .option('--json', 'as one JSON object')
    .option('--hub <url>', 'the hub (or $VIGIL_HUB, or `vigil login`)')
    .option('--token <token>', 'an API token (or $VIGIL_TOKEN)')
    .action(async (raw: Record<string, unknown>) => {
      const o = parseOptions(Options, raw);
      const { hub, token } = resolveHub(o);
      const [health, hosts, alerts] = await Promise.all([
        hubJson(hub, token, '/api/health', Health),
        hubJson(hub, token, '/api/v1/hosts', z.array(HostSummary)),
        hubJson(hub, token, '/api/v1/alerts?state=active', z.array(Alert)),
      ]);
      const firing = alerts.filter((a) => a.state === 'firing');
      const offline = hosts.filter((h) => h.status === 'offline');
      const critical = firing.filter((a) => a.severity === 'critical');
      const status = critical.length > 0 || offline.length > 0 ? 'critical' : firing.length > 0 ? 'warning' : 'ok';
      if (o.json) {
        console.log(JSON.stringify({ status, hub, health, hosts, alerts: firing }, null, 2));
      } else {
        const word =
          status === 'ok' ? paint('green', 'OK') : status === 'warning' ? paint('yellow', 'WARNING') : paint(['red', 'bold'], 'CRITICAL');
        console.log(
          `${word}  ${hub}  vigil ${health.version}, up ${Math.round(health.uptimeSeconds / 60)} min, monitoring ${health.monitoring}`,
        );
        console.log(
          `hosts: ${hosts.length - offline.length} online, ${offline.length} offline · alerts: ${critical.length} critical, ${firing.length - critical.length} warning firing`,
        );
        const width = Math.max(4, ...hosts.map((h) => h.hostname.length));
        for (const h of [...hosts].sort((a, b) => a.hostname.localeCompare(b.hostname))) {
          const state = h.status === 'online' ? paint('green', 'online ') : paint('red', 'offline');
          const count = h.alerts
            ? `  ${h.alerts.critical > 0 ? paint('red', `${h.alerts.critical} critical`) : ''}${h.alerts.warning > 0 ? ` ${paint('yellow', `${h.alerts.warning} warning`)}` : ''}`
            : '';
          console.log(
            `  ${h.hostname.padEnd(width)}  ${state}  cpu ${pct(h.cpuPercent)}  mem ${pct(h.memoryPercent)}  disk ${pct(h.diskPercent)}${count}`,
          );
        }
        for (const a of firing)
          console.log(`  ${a.severity === 'critical' ? paint('red', 'critical') : paint('yellow', 'warning ')}  ${a.message}`);
      }
      if (status === 'critical') process.exitCode = 1;
    });
}
