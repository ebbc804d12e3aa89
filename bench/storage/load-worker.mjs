// One kind of real activity for the recording (record.ts), so the recorded series move as a busy host's do.
// Plain JavaScript, started with `node bench/storage/load-worker.mjs <kind> <seconds> [args]`; every kind stops by
// itself after <seconds>, so nothing outlives a harness that was killed.
//   cpu <seconds> <duty 0..1>        busy-loops one core, `duty` of every 100 ms
//   disk <seconds> <MB/s> <dir>      writes and fsyncs a file at about that rate, then deletes it
//   net <seconds> <MB/s peak>        a loopback TCP stream whose rate swells and ebbs (sine over 20 s)
//   mem <seconds> <MB>               grows to <MB> of touched memory in steps, holds it, then lets it go
//   fork <seconds> <per second>      starts and reaps short-lived processes
import { spawn } from 'node:child_process';
import { closeSync, fsyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';

const [kind, secondsArg, a, b] = process.argv.slice(2);
const seconds = Number(secondsArg);
const endAt = Date.now() + seconds * 1000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
setTimeout(() => process.exit(0), seconds * 1000 + 2000).unref();

async function cpu(duty) {
  while (Date.now() < endAt) {
    const busyUntil = Date.now() + 100 * duty;
    let x = 0;
    while (Date.now() < busyUntil) x += Math.sqrt(x + 1);
    await sleep(Math.max(0, 100 * (1 - duty)));
  }
}

async function disk(mbPerSecond, dir) {
  const file = join(dir, `vigil-bench-disk-${process.pid}.bin`);
  const block = Buffer.alloc(1024 * 1024, 7);
  const fd = openSync(file, 'w');
  try {
    let written = 0;
    while (Date.now() < endAt) {
      const t0 = Date.now();
      for (let i = 0; i < mbPerSecond / 4; i++) writeSync(fd, block);
      fsyncSync(fd);
      written += mbPerSecond / 4;
      // Keep the file under ~1 GB: rewind once it grows past that.
      if (written > 1024) written = 0;
      await sleep(Math.max(0, 250 - (Date.now() - t0)));
    }
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
}

async function net(peakMbPerSecond) {
  const server = createServer((socket) => socket.on('data', () => {}).on('error', () => {}));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const client = connect({ host: '127.0.0.1', port });
  client.on('error', () => {});
  await new Promise((resolve) => client.once('connect', resolve));
  const chunk = Buffer.alloc(64 * 1024, 1);
  const t0 = Date.now();
  while (Date.now() < endAt) {
    const phase = ((Date.now() - t0) / 20_000) * 2 * Math.PI;
    const rate = peakMbPerSecond * (0.55 + 0.45 * Math.sin(phase)); // MB/s
    const chunks = Math.max(1, Math.round((rate * 1024 * 1024) / chunk.length / 10));
    for (let i = 0; i < chunks; i++) client.write(chunk);
    await sleep(100);
  }
  client.destroy();
  server.close();
}

async function mem(mb) {
  const held = [];
  const steps = 10;
  const stepMs = (seconds * 1000 * 0.6) / steps;
  for (let i = 0; i < steps && Date.now() < endAt; i++) {
    const buf = Buffer.alloc((mb / steps) * 1024 * 1024, i + 1); // alloc fills: the pages are touched
    held.push(buf);
    await sleep(stepMs);
  }
  while (Date.now() < endAt) await sleep(200);
  held.length = 0;
}

async function fork(perSecond) {
  while (Date.now() < endAt) {
    for (let i = 0; i < perSecond / 10; i++) spawn('/bin/true', [], { stdio: 'ignore' }).on('error', () => {});
    await sleep(100);
  }
}

const kinds = {
  cpu: () => cpu(Number(a ?? 1)),
  disk: () => disk(Number(a ?? 20), b ?? '/tmp'),
  net: () => net(Number(a ?? 50)),
  mem: () => mem(Number(a ?? 512)),
  fork: () => fork(Number(a ?? 20)),
};
if (!kinds[kind] || !(seconds > 0)) {
  process.stderr.write(`usage: load-worker.mjs ${Object.keys(kinds).join('|')} <seconds> [args]\n`);
  process.exit(2);
}
await kinds[kind]();
process.exit(0);
