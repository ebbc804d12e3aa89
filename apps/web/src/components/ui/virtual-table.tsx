/** biome-ignore-all lint/a11y/useSemanticElements: a virtualised table positions its rows absolutely, which <table> rows cannot be; ARIA roles give the same semantics */
/** biome-ignore-all lint/a11y/useFocusableInteractive: rows are focusable when they can be opened; the header row is not interactive */
import { useVirtualizer } from '@tanstack/react-virtual';
import { type ReactNode, useMemo, useRef } from 'react';

export interface Column<T> {
  key: string;
  label: string;
  /** CSS grid track, e.g. "80px" or "minmax(120px, 2fr)". */
  width: string;
  render: (row: T) => ReactNode;
  /** Sort key; columns without one are not sortable. */
  sort?: (row: T) => number | string;
  align?: 'left' | 'right';
  /** Hidden below this viewport width (phones). */
  hideBelow?: number;
}

export interface SortState {
  key: string;
  desc: boolean;
}

const ROW_HEIGHT = 34;

/**
 * A table for thousands of rows: only the visible rows are in the DOM, the header stays put, columns sort
 * on click (and Enter), rows open on click or Enter.
 */
export function VirtualTable<T>({
  rows,
  columns,
  rowKey,
  sort,
  onSort,
  onRowClick,
  rowClass,
  height = 520,
  label,
  indent,
}: {
  rows: readonly T[];
  columns: Column<T>[];
  rowKey: (row: T) => string | number;
  sort?: SortState;
  onSort?: (sort: SortState) => void;
  onRowClick?: (row: T) => void;
  rowClass?: (row: T) => string;
  height?: number;
  label: string;
  indent?: (row: T) => number;
}) {
  const parent = useRef<HTMLDivElement>(null);
  const visible = useMemo(
    () => columns.filter((c) => !c.hideBelow || typeof window === 'undefined' || window.innerWidth >= c.hideBelow),
    [columns],
  );
  const template = visible.map((c) => c.width).join(' ');
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => parent.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  return (
    <div className="vtable" role="table" aria-label={label} aria-rowcount={rows.length}>
      <div className="vtable-scroll" ref={parent} style={{ maxHeight: height }}>
        <div className="vtable-head" role="row" style={{ gridTemplateColumns: template }}>
          {visible.map((c) => {
            const active = sort?.key === c.key;
            const sortable = !!c.sort && !!onSort;
            return (
              <div
                key={c.key}
                role="columnheader"
                className={`${c.align === 'right' ? 'right' : ''} ${sortable ? 'sortable' : ''}`}
                aria-sort={active ? (sort?.desc ? 'descending' : 'ascending') : 'none'}
                tabIndex={sortable ? 0 : undefined}
                onClick={sortable ? () => onSort?.({ key: c.key, desc: active ? !sort?.desc : true }) : undefined}
                onKeyDown={sortable ? (e) => e.key === 'Enter' && onSort?.({ key: c.key, desc: active ? !sort?.desc : true }) : undefined}
              >
                {c.label}
                {active ? (sort?.desc ? ' ▾' : ' ▴') : ''}
              </div>
            );
          })}
        </div>
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((item) => {
            const row = rows[item.index] as T;
            return (
              <div
                key={rowKey(row)}
                role="row"
                tabIndex={onRowClick ? 0 : undefined}
                className={`vtable-row ${rowClass?.(row) ?? ''}`}
                style={{ gridTemplateColumns: template, transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}
                onClick={onRowClick ? () => onRowClick(row) : undefined}
                onKeyDown={onRowClick ? (e) => e.key === 'Enter' && onRowClick(row) : undefined}
              >
                {visible.map((c, i) => (
                  <div
                    key={c.key}
                    role="cell"
                    className={c.align === 'right' ? 'right num' : ''}
                    style={i === 0 && indent ? { paddingLeft: 8 + indent(row) * 14 } : undefined}
                  >
                    {c.render(row)}
                  </div>
                ))}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}

/** Sorts rows by the column's sort key. */
export function sortRows<T>(rows: readonly T[], columns: Column<T>[], sort: SortState | undefined): T[] {
  const column = columns.find((c) => c.key === sort?.key);
  if (!column?.sort || !sort) return [...rows];
  const key = column.sort;
  const sign = sort.desc ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    return sign * (typeof x === 'string' ? x.localeCompare(String(y)) : x - (y as number));
  });
}
