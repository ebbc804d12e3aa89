import { describe, expect, it } from 'vitest';
import { confirmQuestion, initialState, type KeyName, reduce, sortLabel, type TopEvent, type TopState } from './state.ts';
import { fakeFrame, fakeHost, fakeProcess } from './testing.ts';

const key = (input: string, extra: { name?: KeyName; ctrl?: boolean } = {}): TopEvent => ({ type: 'key', key: { input, ...extra } });
const special = (name: KeyName): TopEvent => key('', { name });

/** Applies events in order. */
const run = (state: TopState, ...events: TopEvent[]) => events.reduce(reduce, state);
const typed = (text: string) => [...text].map((ch) => key(ch));

const PROCESSES = [
  fakeProcess(10, 'nginx', { cpu: 20, rssMiB: 50, cpuSecondsTotal: 5 }),
  fakeProcess(20, 'postgres', { cpu: 80, rssMiB: 900, cpuSecondsTotal: 500, user: 'postgres' }),
  fakeProcess(30, 'sshd', { cpu: 1, rssMiB: 5, cpuSecondsTotal: 50 }),
  fakeProcess(40, 'kthreadd', { kernelThread: true, cmdline: '' }),
  fakeProcess(50, 'bash', { cpu: 0, rssMiB: 4, cmdline: 'bash -c nginx-reload' }),
];
const loaded = (options = {}) => run(initialState(options), { type: 'processes', processes: PROCESSES }, { type: 'pageSize', rows: 3 });
const pids = (s: TopState) => s.rows.map((p) => p.pid);

describe('sorting', () => {
  it('starts by CPU, biggest first, with kernel threads hidden (as htop)', () => {
    const s = loaded();
    expect(pids(s)).toEqual([20, 10, 30, 50]);
    expect(sortLabel(s)).toBe('CPU%▼');
  });

  it.each([
    ['P', 'cpu', [20, 10, 30, 50]],
    ['M', 'memory', [20, 10, 30, 50]],
    ['T', 'time', [20, 30, 50, 10]],
    ['N', 'pid', [10, 20, 30, 50]],
    ['c', 'cpu', [20, 10, 30, 50]],
    ['m', 'memory', [20, 10, 30, 50]],
    ['p', 'pid', [10, 20, 30, 50]],
    ['n', 'name', [50, 10, 20, 30]],
  ] as const)('%s sorts by %s', (letter, sort, order) => {
    const s = run(loaded(), key(letter));
    expect(s.sort).toBe(sort);
    expect(pids(s)).toEqual(order);
  });

  it('I inverts the order; < and > (and the arrows) step through the columns', () => {
    expect(pids(run(loaded(), key('N'), key('I')))).toEqual([50, 30, 20, 10]);
    expect(sortLabel(run(loaded(), key('N')))).toBe('PID▲');
    expect(sortLabel(run(loaded(), key('N'), key('I')))).toBe('PID▼');
    expect(run(loaded(), key('>')).sort).toBe('memory');
    expect(run(loaded(), key('<')).sort).toBe('io');
    expect(run(loaded(), special('right'), special('right')).sort).toBe('time');
  });

  it('K shows kernel threads', () => {
    expect(pids(run(loaded(), key('K')))).toContain(40);
    expect(pids(run(loaded(), key('K'), key('K')))).not.toContain(40);
  });
});

describe('the filter', () => {
  it('/ then typing narrows to names and command lines, case-insensitively; Enter keeps it; Esc clears it', () => {
    let s = run(loaded(), key('/'), ...typed('NGINX'));
    expect(s.mode).toBe('filter');
    expect(pids(s)).toEqual([10, 50]); // bash's command line mentions nginx
    s = run(s, special('enter'));
    expect(s.mode).toBe('normal');
    expect(s.filter).toBe('NGINX');
    s = run(s, special('escape'));
    expect(s.filter).toBe('');
    expect(pids(s)).toHaveLength(4);
  });

  it('Esc while typing clears and leaves; Backspace deletes; a number matches the PID', () => {
    expect(run(loaded(), key('/'), ...typed('ng'), special('escape'))).toMatchObject({ mode: 'normal', filter: '' });
    expect(run(loaded(), key('/'), ...typed('ngx'), special('backspace')).filter).toBe('ng');
    expect(pids(run(loaded(), key('/'), ...typed('30')))).toEqual([30]);
  });

  it('letters typed in the filter are text, not commands', () => {
    const s = run(loaded(), key('/'), ...typed('qkPs'));
    expect(s.effect).toBeNull();
    expect(s.sort).toBe('cpu');
    expect(s.filter).toBe('qkPs');
  });
});

describe('the selection', () => {
  it('moves with arrows, j, PgUp/PgDn, Home/End, g/G, within the rows, and scrolls to stay in sight', () => {
    let s = loaded(); // page of 3 rows
    s = run(s, special('down'), key('j'));
    expect(s).toMatchObject({ selected: 2, selectedPid: 30, scroll: 0 });
    s = run(s, special('down'));
    expect(s).toMatchObject({ selected: 3, scroll: 1 });
    s = run(s, special('down'), special('down'));
    expect(s.selected).toBe(3);
    s = run(s, special('home'));
    expect(s).toMatchObject({ selected: 0, scroll: 0 });
    expect(run(s, special('end')).selected).toBe(3);
    expect(run(s, key('G')).selected).toBe(3);
    expect(run(s, special('pagedown')).selected).toBe(2);
    expect(run(s, key('G'), key('g')).selected).toBe(0);
    expect(run(s, key('G'), special('pageup')).selected).toBe(1);
  });

  it('k kills by default (htop and btop); with vim keys k moves up and K kills', () => {
    expect(run(loaded(), special('down'), key('k')).mode).toBe('confirm');
    const vim = run(loaded({ vimKeys: true }), special('down'), key('k'));
    expect(vim).toMatchObject({ mode: 'normal', selected: 0 });
    expect(run(vim, key('K')).confirm?.action).toBe('kill');
  });

  it('stays on its row as the order changes, and on its PID with F (follow)', () => {
    const s = run(loaded(), special('down')); // nginx, second by CPU
    const reordered = PROCESSES.map((p) => (p.pid === 30 ? { ...p, cpuPercent: 50 } : p));
    expect(run(s, { type: 'processes', processes: reordered }).selectedPid).toBe(30);
    const followed = run(s, key('F'), { type: 'processes', processes: reordered });
    expect(followed).toMatchObject({ selectedPid: 10, selected: 2, follow: true });
  });

  it('a new sort or filter puts the selection on the first row', () => {
    expect(run(loaded(), special('down'), special('down'), key('M')).selected).toBe(0);
  });
});

describe('signals', () => {
  it.each([
    ['s', 'suspend', 'SIGSTOP'],
    ['r', 'resume', 'SIGCONT'],
    ['t', 'terminate', 'SIGTERM'],
    ['k', 'kill', 'SIGKILL'],
  ] as const)('%s asks "Send %s…? y/n" for the selected process; y sends it', (letter, action, signal) => {
    const asked = run(loaded(), key(letter));
    expect(asked.mode).toBe('confirm');
    expect(asked.confirm).toMatchObject({ action, pid: 20, name: 'postgres' });
    expect(confirmQuestion(asked.confirm as NonNullable<TopState['confirm']>)).toBe(`Send ${signal} to 20 (postgres)? y/n`);
    const sent = run(asked, key('y'));
    expect(sent.mode).toBe('normal');
    expect(sent.effect).toMatchObject({ kind: 'signal', pid: 20, name: 'postgres', user: 'postgres', action });
  });

  it('the process asked about is the one signalled, even if the order changed meanwhile', () => {
    const asked = run(loaded(), key('t'));
    const moved = run(asked, { type: 'processes', processes: PROCESSES.map((p) => ({ ...p, cpuPercent: p.pid === 30 ? 99 : 0 })) });
    expect(run(moved, key('y')).effect).toMatchObject({ pid: 20 });
  });

  it('any other key cancels', () => {
    const s = run(loaded(), key('k'), key('n'));
    expect(s).toMatchObject({ mode: 'normal', confirm: null, effect: null, status: { text: 'cancelled' } });
    expect(run(loaded(), key('k'), special('escape')).effect).toBeNull();
  });

  it('read-only (a viewer) offers no signal: the key says why', () => {
    const s = run(loaded({ canAct: false, readOnlyReason: 'read-only: ann is a viewer' }), key('k'));
    expect(s.mode).toBe('normal');
    expect(s.status).toEqual({ text: 'read-only: ann is a viewer', tone: 'error' });
  });

  it('nothing selected, nothing asked', () => {
    expect(run(initialState(), key('t')).status?.text).toBe('no process selected');
  });
});

describe('modes and effects', () => {
  it('q, Ctrl-C and F10 quit; Ctrl-C quits from any mode', () => {
    expect(run(loaded(), key('q')).effect?.kind).toBe('quit');
    expect(run(loaded(), special('f10')).effect?.kind).toBe('quit');
    expect(run(loaded(), key('/'), key('c', { ctrl: true })).effect?.kind).toBe('quit');
    expect(run(loaded(), key('k'), key('c', { ctrl: true })).effect?.kind).toBe('quit');
  });

  it('effects are numbered, so that each runs once', () => {
    const a = run(loaded(), key('q'));
    const b = run(a, key('q'));
    expect(b.effect?.seq).toBe((a.effect?.seq ?? 0) + 1);
  });

  it('h, ? and F1 open the help; any key closes it', () => {
    for (const e of [key('h'), key('?'), special('f1')]) expect(run(loaded(), e).mode).toBe('help');
    expect(run(loaded(), key('h'), key('x'))).toMatchObject({ mode: 'normal', effect: null });
  });

  it('Z pauses: new tables are ignored until Z again', () => {
    const paused = run(loaded(), key('Z'), { type: 'processes', processes: [] });
    expect(paused.rows).toHaveLength(4);
    expect(run(paused, key('Z'), { type: 'processes', processes: [] }).rows).toHaveLength(0);
  });

  it('H in local mode says there is one host', () => {
    expect(run(loaded(), key('H')).status?.text).toMatch(/local mode/);
  });
});

describe('remote mode: hosts', () => {
  const remote = () => run(initialState({ remote: true }), { type: 'hosts', ids: ['a', 'b', 'c'], current: 'a' });

  it('H lists the hosts with the shown one under the cursor; Enter shows another', () => {
    let s = run(remote(), key('H'));
    expect(s).toMatchObject({ mode: 'hosts', hostCursor: 0 });
    s = run(s, special('down'), key('j'));
    expect(s.hostCursor).toBe(2);
    s = run(s, special('enter'));
    expect(s).toMatchObject({ mode: 'normal', currentHost: 'c', effect: { kind: 'host', id: 'c' } });
  });

  it('Esc or H leave the list; with no host chosen yet the list opens by itself', () => {
    expect(run(remote(), key('H'), special('escape')).mode).toBe('normal');
    expect(run(remote(), key('H'), key('H')).mode).toBe('normal');
    const none = run(initialState({ remote: true }), { type: 'hosts', ids: ['a', 'b'], current: null });
    expect(none.mode).toBe('hosts');
    expect(run(none, special('escape')).mode).toBe('hosts');
    expect(run(none, key('q')).effect?.kind).toBe('quit');
  });

  it('a snapshot brings rows, hosts, access and its notice in one step', () => {
    const s = run(initialState({ remote: true }), {
      type: 'snapshot',
      snapshot: {
        mode: 'remote',
        hostId: 'web-01',
        hostLabel: 'web-01',
        frame: fakeFrame(),
        hosts: [fakeHost('web-01'), fakeHost('db-01')],
        connection: { state: 'live' },
        canAct: false,
        readOnlyReason: 'read-only: viewer',
        notice: { text: 'no host "x"', seq: 1 },
      },
    });
    expect(pids(s)).toEqual([202, 101, 303]);
    expect(s).toMatchObject({ hosts: ['web-01', 'db-01'], currentHost: 'web-01', canAct: false, status: { text: 'no host "x"' } });
  });
});
