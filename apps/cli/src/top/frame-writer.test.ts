import { describe, expect, it } from 'vitest';
import { FrameWriter, visibleWidth } from './frame-writer.ts';

const SYNC_ON = '\u001b[?2026h\u001b[?25l';
const SYNC_OFF = '\u001b[?2026l';

function writer(columns = 5) {
  const out: string[] = [];
  const paints: (() => void)[] = [];
  const w = new FrameWriter(
    (text) => out.push(text),
    () => columns,
    (paint) => paints.push(paint),
  );
  const paint = () => {
    for (const p of paints.splice(0)) p();
  };
  return { w, out, paint };
}

describe('FrameWriter', () => {
  it('paints a first frame whole, each line at its row, in one synchronized update', () => {
    const { w, out, paint } = writer();
    w.write('ab\ncdefg');
    paint();
    expect(out).toEqual([`${SYNC_ON}\u001b[1;1Hab\u001b[0m\u001b[K\u001b[2;1Hcdefg\u001b[0m${SYNC_OFF}`]);
  });

  it('then rewrites only the lines that changed, and blanks lines a shorter frame left', () => {
    const { w, out, paint } = writer();
    w.write('ab\ncd\nef');
    paint();
    w.write('ab\nXY');
    paint();
    expect(out[1]).toBe(`${SYNC_ON}\u001b[2;1HXY\u001b[0m\u001b[K\u001b[3;1H\u001b[K${SYNC_OFF}`);
    w.write('ab\nXY');
    paint();
    expect(out).toHaveLength(2); // nothing changed, nothing written
  });

  it('paints only the last of the frames written in one turn', () => {
    const { w, out, paint } = writer();
    w.write('one');
    w.write('two');
    paint();
    expect(out).toHaveLength(1);
    expect(out[0]).toContain('two');
    expect(out[0]).not.toContain('one');
  });

  it('after reset (a cleared screen) paints everything again', () => {
    const { w, out, paint } = writer();
    w.write('ab\ncd');
    paint();
    w.reset();
    w.write('ab\ncd');
    paint();
    expect(out[1]).toContain('\u001b[1;1Hab');
    expect(out[1]).toContain('\u001b[2;1Hcd');
  });

  it('measures lines without their escape sequences', () => {
    expect(visibleWidth('\u001b[1m\u001b[36mCPU\u001b[39m ██')).toBe(6);
  });
});
