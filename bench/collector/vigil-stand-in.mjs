// Stand-in for `vigil snapshot --watch --interval 1 --compact` while the real CLI does not exist: it does a naive but
// real collection (stat + status of every process in /proc) once per interval and prints one compact JSON frame per
// line with `durationMs`, so the harness is exercised on realistic output sizes and a non-zero CPU cost.
import { readdirSync, readFileSync } from 'node:fs';

const at = process.argv.indexOf('--interval');
const intervalMs = (at >= 0 ? Number(process.argv[at + 1]) : 1) * 1000;

function readProcess(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const close = stat.lastIndexOf(')');
    const f = stat.slice(close + 2).split(' ');
    const rss = /\nVmRSS:\s+(\d+)/.exec(status);
    return {
      pid,
      name: stat.slice(stat.indexOf('(') + 1, close),
      state: f[0],
      ppid: Number(f[1]),
      utime: Number(f[11]),
      stime: Number(f[12]),
      threads: Number(f[17]),
      rssKb: rss ? Number(rss[1]) : 0,
    };
  } catch {
    return undefined; // exited while we walked /proc
  }
}

function collect() {
  const t0 = performance.now();
  const processes = [];
  for (const name of readdirSync('/proc')) {
    if (name.charCodeAt(0) < 48 || name.charCodeAt(0) > 57) continue;
    const p = readProcess(Number(name));
    if (p) processes.push(p);
  }
  const durationMs = performance.now() - t0;
  return { ts: Date.now(), durationMs: Math.round(durationMs * 1000) / 1000, processes };
}

// Fixed schedule (tick k at start + k*interval) so frames do not drift, like a real --watch loop should.
const start = performance.now();
let k = 0;
function tick() {
  process.stdout.write(`${JSON.stringify(collect())}\n`);
  k += 1;
  setTimeout(tick, Math.max(0, start + k * intervalMs - performance.now()));
}
tick();
