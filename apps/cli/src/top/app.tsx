import { Box, type Key, Text, useApp, useInput, useStdin, useStdout } from 'ink';
import { memo, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { frameLists } from './frame-lists.ts';
import { computeLayout } from './layout.ts';
import type { SortKey } from './processes.ts';
import { screenLines } from './screen.ts';
import type { Line } from './segments.ts';
import type { TopSource } from './source.ts';
import { initialState, type KeyName, reduce, type TopKey } from './state.ts';

export interface TopAppProps {
  source: TopSource;
  /** False with NO_COLOR. */
  color: boolean;
  vimKeys?: boolean;
  sort?: SortKey;
  /** A fixed size instead of the terminal's (tests). */
  size?: { cols: number; rows: number };
  /** Ctrl-L: the terminal is cleared and everything drawn again. */
  onRedraw?: () => void;
}

/** Seconds of total CPU kept for the sparkline: enough for the widest CPU column. */
const HISTORY = 300;

/** Function keys by their xterm sequences (Ink's useInput does not tell them apart). */
const FUNCTION_KEYS: Record<string, KeyName> = {
  '\u001bOP': 'f1',
  '\u001b[11~': 'f1',
  '\u001bOR': 'f3',
  '\u001b[13~': 'f3',
  '\u001bOS': 'f4',
  '\u001b[14~': 'f4',
  '\u001b[17~': 'f6',
  '\u001b[20~': 'f9',
  '\u001b[21~': 'f10',
};

function toTopKey(input: string, key: Key): TopKey {
  const name: KeyName | undefined = key.upArrow
    ? 'up'
    : key.downArrow
      ? 'down'
      : key.leftArrow
        ? 'left'
        : key.rightArrow
          ? 'right'
          : key.pageUp
            ? 'pageup'
            : key.pageDown
              ? 'pagedown'
              : key.home
                ? 'home'
                : key.end
                  ? 'end'
                  : key.return
                    ? 'enter'
                    : key.escape
                      ? 'escape'
                      : key.backspace
                        ? 'backspace'
                        : key.delete
                          ? 'delete'
                          : key.tab
                            ? 'tab'
                            : undefined;
  return { input: name ? '' : input, name, ctrl: key.ctrl };
}

/** The size given as a prop (`vigil top` passes it, so that a resize redraws in one pass), else the terminal's, followed. */
function useTerminalSize(fixed: TopAppProps['size']): { cols: number; rows: number } {
  const { stdout } = useStdout();
  const [size, setSize] = useState(() => ({ cols: stdout.columns || 80, rows: stdout.rows || 24 }));
  useEffect(() => {
    if (fixed) return;
    const resized = () => setSize({ cols: stdout.columns || 80, rows: stdout.rows || 24 });
    stdout.on('resize', resized);
    return () => {
      stdout.off('resize', resized);
    };
  }, [stdout, fixed]);
  return fixed ?? size;
}

/** One character of a string typed in one go, as the key it stands for (Enter, Backspace, Tab, Ctrl-letter). */
export function charKey(ch: string): TopKey {
  if (ch === '\r' || ch === '\n') return { input: '', name: 'enter' };
  if (ch === '\u007f' || ch === '\b') return { input: '', name: 'backspace' };
  if (ch === '\t') return { input: '', name: 'tab' };
  const code = ch.charCodeAt(0);
  if (code < 0x20) return { input: String.fromCharCode(code + 96), ctrl: true };
  return { input: ch };
}

/** One line of segments. Memoised: a line that did not change is not laid out again. */
const ScreenLine = memo(function ScreenLine({ line }: { line: Line }) {
  return (
    <Text wrap="truncate">
      {line.map((s, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: segments have no identity but their place
        <Text key={i} color={s.color} backgroundColor={s.bg} bold={s.bold} dimColor={s.dim} inverse={s.inverse}>
          {s.text}
        </Text>
      ))}
    </Text>
  );
}, sameLine);

function sameLine(a: { line: Line }, b: { line: Line }): boolean {
  if (a.line.length !== b.line.length) return false;
  return a.line.every((s, i) => {
    const t = b.line[i];
    return (
      !!t && s.text === t.text && s.color === t.color && s.bg === t.bg && s.bold === t.bold && s.dim === t.dim && s.inverse === t.inverse
    );
  });
}

/** `vigil top`: the whole screen. Data comes from the source; keys go through the reducer; effects run here. */
export function TopApp({ source, color, vimKeys = false, sort, size: fixedSize, onRedraw }: TopAppProps) {
  const { exit } = useApp();
  const { internal_eventEmitter: events } = useStdin();
  const size = useTerminalSize(fixedSize);
  const [state, dispatch] = useReducer(reduce, undefined, () => {
    const first = source.current();
    const s = initialState({ remote: first.mode === 'remote', vimKeys, sort, canAct: first.canAct, readOnlyReason: first.readOnlyReason });
    return reduce(s, { type: 'snapshot', snapshot: first });
  });
  // Each change of the source is one event, so one redraw (Ink's legacy root does not batch updates made outside its handlers).
  useEffect(() => {
    const update = () => dispatch({ type: 'snapshot', snapshot: source.current() });
    update();
    return source.subscribe(update);
  }, [source]);
  const snapshot = state.snapshot ?? source.current();

  // The clock in the header: data redraws the screen every interval; when none comes (a hub away), a tick does.
  const [, tick] = useReducer((n: number) => n + 1, 0);
  const drawnAt = useRef(0);
  drawnAt.current = Date.now();
  useEffect(() => {
    const timer = setInterval(() => {
      if (Date.now() - drawnAt.current >= 1500) tick();
    }, 1000);
    return () => clearInterval(timer);
  }, []);

  const history = useRef<{ ts: number; values: number[] }>({ ts: -1, values: [] });
  const frame = snapshot.frame;
  if (frame && frame.ts !== history.current.ts && frame.system.cpu?.total) {
    history.current = { ts: frame.ts, values: [...history.current.values.slice(1 - HISTORY), frame.system.cpu.total.usagePercent] };
  }

  const lists = useMemo(() => frameLists(frame), [frame]);
  const layout = useMemo(
    () =>
      computeLayout({
        cols: size.cols,
        rows: size.rows,
        cores: lists.cores,
        filesystems: lists.filesystems.length,
        disks: lists.disks.length,
        interfaces: lists.interfaces.length,
        gpus: lists.gpus.length,
        hosts: snapshot.mode === 'remote' ? snapshot.hosts.length : 0,
      }),
    [size, lists, snapshot.mode, snapshot.hosts.length],
  );

  useEffect(() => dispatch({ type: 'pageSize', rows: layout.table.rows }), [layout.table.rows]);
  // A status line stays a few seconds, then the key hints come back.
  useEffect(() => {
    if (!state.status) return;
    const timer = setTimeout(() => dispatch({ type: 'status', status: null }), 6000);
    return () => clearTimeout(timer);
  }, [state.status]);

  useInput((input, key) => {
    const topKey = toTopKey(input, key);
    // Keys typed quickly arrive as one string ("/node\r"): each is a key of its own.
    if (topKey.name || topKey.ctrl || [...topKey.input].length <= 1) dispatch({ type: 'key', key: topKey });
    else for (const ch of topKey.input) dispatch({ type: 'key', key: charKey(ch) });
  });
  useEffect(() => {
    const onData = (data: string) => {
      const name = FUNCTION_KEYS[data];
      if (name) dispatch({ type: 'key', key: { input: '', name } });
    };
    events?.on('input', onData);
    return () => {
      events?.off('input', onData);
    };
  }, [events]);

  // Effects asked for by keys. Keyed on the effect's sequence number, so each runs once.
  const effect = state.effect;
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs once per effect, identified by its sequence number
  useEffect(() => {
    if (!effect) return;
    switch (effect.kind) {
      case 'quit':
        exit();
        break;
      case 'host':
        source.chooseHost(effect.id);
        break;
      case 'redraw':
        onRedraw?.();
        break;
      case 'signal':
        source
          .signal({ pid: effect.pid, name: effect.name, user: effect.user }, effect.action)
          .then((outcome) => dispatch({ type: 'status', status: { text: outcome.message, tone: outcome.ok ? 'ok' : 'error' } }))
          .catch((error: Error) => dispatch({ type: 'status', status: { text: error.message, tone: 'error' } }));
        break;
    }
  }, [effect?.seq]);

  const lines = screenLines({ snapshot, state, layout, lists, history: history.current.values, now: Date.now(), color });
  return (
    <Box flexDirection="column" width={layout.width} height={layout.height}>
      {lines.map((line, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a screen line is its row
        <ScreenLine key={i} line={line} />
      ))}
    </Box>
  );
}
