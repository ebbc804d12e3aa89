// @vitest-environment happy-dom

import { act, cleanup, fireEvent, render, screen } from '@testing-library/preact';
import type { ProcessInfo } from '@vigil/schema';
import { afterEach, describe, expect, it } from 'vitest';
import { Meter } from '../src/components/ui/meter.tsx';
import { Sparkline } from '../src/components/ui/sparkline.tsx';
import { type Column, sortRows, VirtualTable } from '../src/components/ui/virtual-table.tsx';
import { axisTime, bytes, duration, level, percent } from '../src/format.ts';
import { asTree } from '../src/routes/host-processes.tsx';
import { setPreferences } from '../src/stores/preferences.ts';

afterEach(cleanup);

describe('format', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1536, '1.5 KiB'],
    [25323552768, '23.6 GiB'],
    [null, '–'],
  ])('bytes(%s) is %s', (v, text) => expect(bytes(v)).toBe(text));

  it('colours like seed 000: green below 50, yellow to 75, red above', () => {
    expect([level(10), level(50), level(75), level(75.1), level(null)]).toEqual(['ok', 'warn', 'warn', 'critical', 'none']);
    expect(level(60, { warn: 70, critical: 90 })).toBe('ok');
  });

  it('writes durations and percentages for people', () => {
    expect(duration(90_061)).toBe('1 d 1 h');
    expect(duration(3700)).toBe('1 h 1 min');
    expect(percent(12.345)).toBe('12.3 %');
  });

  it('labels time axis ticks on one line, as precisely as their step needs', () => {
    const at = (h: number, m: number, sec = 0) => new Date(2026, 10, 23, h, m, sec).getTime() / 1000;
    expect(axisTime(at(14, 5, 30), 10)).toBe('14:05:30');
    expect(axisTime(at(14, 5), 60)).toBe('14:05');
    expect(axisTime(at(9, 0), 7200)).toBe('09:00');
    expect(axisTime(at(0, 0), 7200)).toBe('11/23');
    expect(axisTime(at(0, 0), 86_400)).toBe('11/23');
  });
});

describe('Meter', () => {
  it('fills to the value and takes the colour of its level, with the thresholds of the preferences', () => {
    const { container, rerender } = render(<Meter label="CPU" value={80} />);
    const fill = container.querySelector('.meter-fill') as HTMLElement;
    expect(fill.style.transform).toBe('scaleX(0.8)');
    expect(fill.className).toContain('critical');
    expect(screen.getByRole('meter', { name: 'CPU' }).getAttribute('aria-valuenow')).toBe('80');
    act(() => setPreferences({ thresholds: { warn: 85, critical: 95 } }));
    rerender(<Meter label="CPU" value={80} />);
    expect((container.querySelector('.meter-fill') as HTMLElement).className).toContain('ok');
    act(() => setPreferences({ thresholds: { warn: 50, critical: 75 } }));
  });
});

interface Row {
  id: number;
  name: string;
}
const columns: Column<Row>[] = [
  { key: 'id', label: 'ID', width: '60px', render: (r) => r.id, sort: (r) => r.id, align: 'right' },
  { key: 'name', label: 'Name', width: '1fr', render: (r) => r.name, sort: (r) => r.name },
];

describe('VirtualTable', () => {
  it('sorts by a column and asks for the next sort on click', () => {
    const rows = [
      { id: 2, name: 'b' },
      { id: 1, name: 'c' },
      { id: 3, name: 'a' },
    ];
    expect(sortRows(rows, columns, { key: 'name', desc: false }).map((r) => r.id)).toEqual([3, 2, 1]);
    expect(sortRows(rows, columns, { key: 'id', desc: true }).map((r) => r.id)).toEqual([3, 2, 1]);
    let sort = { key: 'id', desc: true };
    render(<VirtualTable label="t" rows={rows} columns={columns} rowKey={(r) => r.id} sort={sort} onSort={(s) => (sort = s)} />);
    fireEvent.click(screen.getByRole('columnheader', { name: 'Name' }));
    expect(sort).toEqual({ key: 'name', desc: true });
    expect(screen.getByRole('columnheader', { name: /ID/ }).getAttribute('aria-sort')).toBe('descending');
  });

  it('renders only a window of many rows', () => {
    const rows = Array.from({ length: 5000 }, (_, i) => ({ id: i, name: `p${i}` }));
    const { container } = render(<VirtualTable label="big" rows={rows} columns={columns} rowKey={(r) => r.id} height={300} />);
    const rendered = container.querySelectorAll('.vtable-row').length;
    expect(rendered).toBeLessThan(100);
    expect(screen.getByRole('table', { name: 'big' }).getAttribute('aria-rowcount')).toBe('5000');
  });
});

describe('process tree', () => {
  it('puts children under their parents, with depth', () => {
    const p = (pid: number, ppid: number) => ({ pid, ppid }) as ProcessInfo;
    const { rows, depth } = asTree([p(10, 1), p(1, 0), p(11, 10), p(2, 0), p(12, 1)]);
    expect(rows.map((r) => r.pid)).toEqual([1, 10, 11, 12, 2]);
    expect([1, 10, 11, 12, 2].map((pid) => depth.get(pid))).toEqual([0, 1, 2, 1, 0]);
  });
});

describe('Sparkline', () => {
  it('draws one point per value, 0 at the bottom and 100 at the top, clamped, with its label', () => {
    render(<Sparkline values={[0, 100, 150]} width={100} height={22} label="CPU of web-1" />);
    const svg = screen.getByRole('img', { name: 'CPU of web-1' });
    const [area, line] = [...svg.querySelectorAll('path')].map((p) => p.getAttribute('d'));
    expect(line).toBe('M0.0 21.0L50.0 1.0L100.0 1.0');
    expect(area).toBe('M0.0 21.0L50.0 1.0L100.0 1.0L100 22L0 22Z');
  });

  it('draws nothing until there are two values', () => {
    render(<Sparkline values={[42]} label="CPU" />);
    expect(screen.getByRole('img', { name: 'CPU' }).querySelectorAll('path')).toHaveLength(0);
  });
});
