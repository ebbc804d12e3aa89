import { render } from 'ink-testing-library';
import { createElement } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { colorWanted } from '../commands/top.ts';
import { charKey, TopApp } from './app.tsx';
import { frameLists } from './frame-lists.ts';
import { computeLayout } from './layout.ts';
import { screenLines } from './screen.ts';
import { lineText } from './segments.ts';
import { initialState, reduce } from './state.ts';
import { FakeSource, fakeFrame, fakeHost } from './testing.ts';

let unmount: (() => void) | null = null;
afterEach(() => {
  unmount?.();
  unmount = null;
});

/** Renders the app at a fixed size with ink-testing-library; keys go in through stdin. */
function show(source: FakeSource, size = { cols: 80, rows: 24 }, props: { vimKeys?: boolean } = {}) {
  const app = render(createElement(TopApp, { source, color: false, size, ...props }));
  unmount = app.unmount;
  // Ink leaves out the spaces that end a line.
  const screen = () => (app.lastFrame() ?? '').split('\n');
  const press = async (...keys: string[]) => {
    for (const k of keys) {
      app.stdin.write(k);
      await sleep(10);
    }
  };
  return { screen, press };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Retries the assertions until they hold (React may finish an update after the key's turn), for at most 3 s. */
async function eventually(check: () => void): Promise<void> {
  const deadline = Date.now() + 3000;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(10);
    }
  }
}

const tick = () => sleep(20);

describe('the main screen at 80x24', () => {
  it('shows the header, coloured bars for CPU, cores, memory, swap, disks and network, the process table and the keys', async () => {
    const { screen } = show(new FakeSource());
    await tick();
    const lines = screen();
    expect(lines).toHaveLength(24);
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(80);
    expect(lines[0]).toMatch(/^ web-01 {2}load 0\.52 0\.61 0\.70 {2}up 3d 04:12 +sort CPU%▼ {2}\d\d:\d\d:\d\d$/);
    expect(lines[1]).toMatch(/^CPU {2}█+[▉-▏]?░+ 50\.0% {2}Mem {3}█+[▉-▏]?░+ 6\.4G\/16G$/);
    expect(lines[2]).toMatch(/^0 █+[▉-▏]?░+ {2}10% {2}Swp {3}░+ 0B\/2\.0G$/);
    expect(lines.slice(2, 6).map((l) => l.slice(0, 2))).toEqual(['0 ', '1 ', '2 ', '3 ']);
    expect(lines[3]).toMatch(/^1 .* {2}40% {2}\/ {5}█+[▉-▏]?░+ 30G\/100G$/);
    expect(lines[4]).toMatch(/^2 .* {2}60% {2}\/home █+[▉-▏]?░+ 60G\/100G$/);
    expect(lines[5]).toMatch(/^3 .* {2}90% {2}Dsk {3}r 1\.0K\/s {8}w 2\.0M\/s$/);
    expect(lines[6]).toBe('    usr 35% sys 15% wait 0% steal 0%     Net   ↓ 1.5M/s        ↑ 340K/s');
    expect(lines[7]).toBe('    PID USER     S   RES ▼CPU%  MEM%     TIME+  THR Command');
    expect(lines[8]).toBe('    202 postgres S  900M  55.0   5.5   0:12.50    1 postgres --serve');
    expect(lines[9]).toMatch(/^ {4}101 www {6}S {3}50M {2}12\.5 {3}0\.3 {3}0:12\.50 {4}1 nginx --serve/);
    expect(lines[10]).toMatch(/^ {4}303 root/);
    expect(lines.join('\n')).not.toContain('kworker'); // kernel threads hidden, as htop does
    expect(lines[23]).toBe('  h Help  / Filter  P M T N Sort  s r t k Signal  q Quit');
  });

  it('sorts with N, filters with /, asks before a signal and sends it on y', async () => {
    const source = new FakeSource();
    const { screen, press } = show(source);
    await tick();
    await press('N');
    await eventually(() => {
      expect(screen()[8]).toMatch(/^ {4}101 /);
      expect(screen()[7]).toContain('▲PID');
    });
    await press('/', 'n', 'g');
    await eventually(() => {
      expect(screen()[23]).toMatch(/^ Filter: ng█ {2}Enter keeps {2}Esc clears +1\/3$/);
      expect(screen()[8]).toMatch(/nginx/);
      expect(screen()[9]?.trim()).toBe('');
    });
    await press('\r', 't');
    await eventually(() => expect(screen()[23]).toBe(' Send SIGTERM to 101 (nginx)? y/n'));
    source.outcome = { ok: false, message: 'not permitted: 101 belongs to www' };
    await press('y');
    await eventually(() => {
      expect(source.signals).toEqual([{ pid: 101, action: 'terminate' }]);
      expect(screen()[23]?.trim()).toBe('not permitted: 101 belongs to www');
    });
    await press('\u001b'); // a lone Esc clears the filter
    await eventually(() => {
      expect(screen()[8]).toMatch(/^ {4}101 /);
      expect(screen()[9]).toMatch(/^ {4}202 /);
    });
  });

  it('follows the source: a new frame redraws the screen', async () => {
    const source = new FakeSource();
    const { screen } = show(source);
    await tick();
    source.store.update({ frame: fakeFrame({ cores: [95, 95, 95, 95], memoryPercent: 80 }) });
    await eventually(() => expect(screen()[1]).toMatch(/^CPU {2}█+[▉-▏]?░? 95\.0% {2}Mem {3}█+[▉-▏]?░+ 13G\/16G$/));
  });

  it('h shows the keys, any key returns', async () => {
    const { screen, press } = show(new FakeSource());
    await tick();
    await press('h');
    await eventually(() =>
      expect(screen().join('\n')).toContain('s r t k  then y            suspend, resume, terminate, kill the selection'),
    );
    await press('x');
    await eventually(() => expect(screen()[7]).toContain('PID USER'));
  });

  it('uses a larger terminal: a CPU history, all process columns, more rows', async () => {
    const { screen } = show(new FakeSource(), { cols: 200, rows: 50 });
    await tick();
    const lines = screen();
    expect(lines).toHaveLength(50);
    expect(lines[2]).toMatch(/^hist /);
    expect(lines.find((l) => l.includes('PID USER'))).toMatch(
      /PID USER {6}NI S {2}VIRT {3}RES ▼CPU% {2}MEM% {5}TIME\+ {2}THR {2}READ\/s {2}WRIT\/s Command/,
    );
  });
});

describe('keys typed in one go', () => {
  it('are taken one by one, Enter and Backspace included', async () => {
    expect(['a', '\r', '\u007f', '\u0003'].map(charKey)).toEqual([
      { input: 'a' },
      { input: '', name: 'enter' },
      { input: '', name: 'backspace' },
      { input: 'c', ctrl: true },
    ]);
    const source = new FakeSource();
    const { screen, press } = show(source);
    await tick();
    await press('/nginxx\u007f\rt');
    await eventually(() => expect(screen()[23]).toBe(' Send SIGTERM to 101 (nginx)? y/n'));
  });
});

describe('remote mode', () => {
  const remote = (canAct: boolean) =>
    new FakeSource({
      mode: 'remote',
      hostId: 'web-01',
      hostLabel: 'web-01',
      hosts: [fakeHost('db-01', { status: 'offline', alerts: { warning: 0, critical: 1 } }), fakeHost('web-01')],
      connection: { state: 'live' },
      canAct,
      readOnlyReason: 'read-only: ann is a viewer',
    });

  it('shows the fleet in the header, H lists the hosts and Enter shows another', async () => {
    const source = remote(true);
    const { screen, press } = show(source);
    await tick();
    expect(screen()[0]).toMatch(/^ web-01 {2}2 hosts 1 down ⚠1 .*● live/);
    expect(screen()[23]).toContain('s r t k Signal');
    expect(screen()[23]).toContain('H Hosts');
    await press('H');
    await eventually(() => {
      const list = screen().join('\n');
      expect(list).toMatch(/HOST +STATE +CPU% +MEM% +DISK% +LOAD1 +ALERTS/);
      expect(list).toMatch(/ {3}db-01 +offline/);
      expect(list).toMatch(/ ▶ web-01 +online +30% +40%/);
    });
    await press('\u001b[A', '\r');
    await eventually(() => expect(source.chosen).toEqual(['db-01']));
  });

  it('a viewer gets no action keys', async () => {
    const source = remote(false);
    const { screen, press } = show(source);
    await tick();
    expect(screen()[23]).not.toMatch(/Signal/);
    expect(screen()[23]).toMatch(/ {10}read-only$/);
    await press('k');
    await eventually(() => expect(screen()[23]?.trim()).toBe('read-only: ann is a viewer'));
    expect(source.signals).toEqual([]);
  });

  it('tall terminals list the fleet under the meters', async () => {
    const { screen } = show(remote(true), { cols: 100, rows: 40 });
    await tick();
    const lines = screen();
    const title = lines.findIndex((l) => l.startsWith(' Hosts'));
    expect(title).toBeGreaterThan(0);
    expect(lines[title + 1]).toMatch(/^ ○ db-01 +cpu {3}- mem {3}- ⚠1 +● web-01 +cpu 30% mem 40%$/);
  });
});

describe('colours', () => {
  const input = (color: boolean) => {
    const source = new FakeSource();
    const snapshot = source.current();
    const state = reduce(initialState(), { type: 'snapshot', snapshot });
    const lists = frameLists(snapshot.frame);
    const layout = computeLayout({ cols: 80, rows: 24, cores: 4, filesystems: 2, disks: 1, interfaces: 1, gpus: 0, hosts: 0 });
    return screenLines({ snapshot, state, layout, lists, history: [], now: 0, color });
  };

  it('bars are green below 50 %, yellow to 75 %, red above; the selected row is a cyan bar', () => {
    const lines = input(true);
    const colourOf = (row: number, text: string) => lines[row]?.find((s) => s.text.includes(text))?.color;
    expect(lines[2]?.filter((s) => s.text.includes('█')).map((s) => s.color)).toEqual(['green']); // core 0 at 10 %
    expect(colourOf(4, '█')).toBe('yellow'); // core 2 at 60 %
    expect(colourOf(5, '█')).toBe('red'); // core 3 at 90 %
    expect(lines[8]?.every((s) => s.bg === 'cyan')).toBe(true);
  });

  it('NO_COLOR: the same text with no colour, the selection in inverse video', () => {
    const plain = input(false);
    expect(plain.map(lineText)).toEqual(input(true).map(lineText));
    expect(plain.flat().some((s) => s.color || s.bg)).toBe(false);
    expect(plain[8]?.every((s) => s.inverse)).toBe(true);
    expect(colorWanted(true, { NO_COLOR: '1' })).toBe(false);
    expect(colorWanted(true, { NO_COLOR: '' })).toBe(true);
    expect(colorWanted(false, {})).toBe(false);
  });
});
