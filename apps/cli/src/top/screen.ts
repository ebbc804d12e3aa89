import type { FrameLists } from './frame-lists.ts';
import { MIN_COLS, MIN_ROWS, type TopLayout } from './layout.ts';
import { fitLine, type Line, mergeSegments, withoutColor } from './segments.ts';
import type { TopSnapshot } from './source.ts';
import type { TopState } from './state.ts';
import { footerLine, headerLine, helpOverlay, hostsOverlay, hostsPanel } from './view-chrome.ts';
import { meterBlock } from './view-meters.ts';
import { tableHeader, tableLines } from './view-table.ts';

export interface ScreenInput {
  snapshot: TopSnapshot;
  state: TopState;
  layout: TopLayout;
  lists: FrameLists;
  /** Recent total CPU %, oldest first, for the sparkline. */
  history: number[];
  now: number;
  color: boolean;
}

/** What the table says while it has no rows. */
function emptyText({ snapshot, state }: ScreenInput): string {
  if (state.filter && state.all.length > 0) return `no process matches "${state.filter}" (Esc clears the filter)`;
  if (snapshot.mode === 'local') return 'reading this host…';
  if (snapshot.connection.state === 'refused') return `the hub refused: ${snapshot.connection.detail ?? ''}`;
  if (snapshot.connection.state !== 'live') return 'connecting to the hub…';
  if (snapshot.hosts.length === 0) return 'no host has reported to this hub yet';
  if (!snapshot.hostId) return 'choose a host: H';
  return `waiting for ${snapshot.hostLabel}…`;
}

/** The whole screen as `layout.height` lines of exactly `layout.width` columns. */
export function screenLines(input: ScreenInput): Line[] {
  const { snapshot, state, layout, lists, history, now } = input;
  let lines: Line[];
  if (layout.tooSmall) {
    lines = [
      fitLine(
        [{ text: `terminal too small (${layout.width}x${layout.height}): vigil top needs ${MIN_COLS}x${MIN_ROWS}`, bold: true }],
        layout.width,
      ),
      fitLine([{ text: 'q quits' }], layout.width),
    ];
  } else {
    lines = [
      headerLine(snapshot, state, layout.width, now),
      ...meterBlock(snapshot.frame, lists, layout, history),
      ...hostsPanel(snapshot, layout),
    ];
    const area = layout.table.rows + 1;
    if (state.mode === 'help') lines.push(...helpOverlay(state, layout, area, input.color));
    else if (state.mode === 'hosts') lines.push(...hostsOverlay(snapshot, state, layout, area));
    else lines.push(tableHeader(layout, state), ...tableLines(state, layout, emptyText(input)));
    lines.push(footerLine(snapshot, state, layout.width));
  }
  while (lines.length < layout.height) lines.push(fitLine([], layout.width));
  lines = lines.slice(0, layout.height);
  return (input.color ? lines : lines.map(withoutColor)).map(mergeSegments);
}
