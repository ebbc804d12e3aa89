import { type Instance, render } from 'ink';
import { TopApp } from './app.tsx';
import { FrameStream, FrameWriter } from './frame-writer.ts';
import type { SortKey } from './processes.ts';
import type { TopSource } from './source.ts';

export interface RunTopOptions {
  source: TopSource;
  color: boolean;
  vimKeys: boolean;
  sort?: SortKey;
}

// xterm control sequences (ctlseqs): the alternate screen buffer (1049), clear and home, cursor shown.
const ALTERNATE_SCREEN = '\u001b[?1049h';
const MAIN_SCREEN = '\u001b[?1049l';
const CLEAR = '\u001b[2J\u001b[H';
const SHOW_CURSOR = '\u001b[?25h';

const EXIT_STATUS: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/**
 * Runs the dashboard full-screen until the user quits: the alternate screen on start, the user's screen and
 * cursor back on every way out (q, Ctrl-C, a signal, an exception).
 */
export async function runTop(options: RunTopOptions): Promise<void> {
  const { stdout, stdin } = process;
  const write = (text: string) => {
    try {
      stdout.write(text);
    } catch {}
  };
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    write(SHOW_CURSOR + MAIN_SCREEN);
  };

  let instance: Instance | null = null;
  const size = () => ({ cols: stdout.columns || 80, rows: stdout.rows || 24 });
  const writer = new FrameWriter(write, () => stdout.columns || 80);
  // Ctrl-L, and a resize (SIGWINCH): the screen is cleared and the next frame painted whole, laid out for the new size.
  const redraw = () => {
    write(CLEAR);
    writer.reset();
    instance?.rerender(app());
  };
  const app = () => (
    <TopApp source={options.source} color={options.color} vimKeys={options.vimKeys} sort={options.sort} size={size()} onRedraw={redraw} />
  );
  const resized = () => redraw();
  const quitOn = (signal: NodeJS.Signals) => () => {
    process.exitCode = EXIT_STATUS[signal] ?? 1;
    instance?.unmount();
  };
  const signals = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((signal) => [signal, quitOn(signal)] as const);
  const crash = (error: unknown) => {
    try {
      instance?.unmount();
    } catch {}
    restore();
    process.stderr.write(`vigil top: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  };

  write(ALTERNATE_SCREEN + CLEAR);
  process.on('exit', restore);
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  for (const [signal, handler] of signals) process.on(signal, handler);
  stdout.on('resize', resized);
  try {
    options.source.start();
    // Ink draws into a frame stream (debug mode hands over each whole frame), and the frame writer paints the
    // lines that changed at their rows: Ink's own updates move the cursor relative to the output and clear the
    // screen when the output fills it.
    instance = render(app(), {
      stdout: new FrameStream(writer, stdout) as unknown as NodeJS.WriteStream,
      stdin,
      debug: true,
      exitOnCtrlC: false, // Ctrl-C goes through the reducer like q
      patchConsole: false,
    });
    await instance.waitUntilExit();
  } finally {
    stdout.off('resize', resized);
    for (const [signal, handler] of signals) process.off(signal, handler);
    await options.source.stop();
    restore();
    process.off('exit', restore);
    process.off('uncaughtException', crash);
    process.off('unhandledRejection', crash);
  }
}
