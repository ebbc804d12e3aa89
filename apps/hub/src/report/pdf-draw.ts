import { type Box, type ChartSpec, layoutChart } from './chart.ts';

/** Characters pdfkit's built-in fonts can show (WinAnsi: Latin-1 and a few more); anything else would come out as junk. */
const WIN_ANSI_EXTRA = '€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ';
const REPLACE: Record<string, string> = { '≥': '>=', '≤': '<=', '→': '->', '←': '<-', '≈': '~', '×': 'x', '\u202f': ' ' };

/** Text safe for the built-in PDF fonts. */
export function pdfText(text: string): string {
  let out = '';
  for (const c of text) {
    const code = c.codePointAt(0) as number;
    if ((code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || WIN_ANSI_EXTRA.includes(c)) out += c;
    else if (c === '\n') out += c;
    else out += REPLACE[c] ?? '?';
  }
  return out;
}

export const FONT = 'Helvetica';
export const BOLD = 'Helvetica-Bold';
export const MUTED = '#64748b';
export const INK = '#0f172a';
export const RULE = '#e2e8f0';

/** A chart as PDF vector graphics: grid, axis labels, a dashed reference level, a legend, and a path per line. */
export function drawChart(doc: PDFKit.PDFDocument, spec: ChartSpec, box: Box): void {
  const layout = layoutChart(
    spec,
    { x: box.x, y: box.y + 14, width: box.width, height: box.height - 14 },
    { left: 50, right: 4, top: 4, bottom: 13 },
  );
  const { plot } = layout;
  doc.save();
  doc.font(BOLD).fontSize(8.5).fillColor(INK).text(pdfText(spec.title), box.x, box.y, { lineBreak: false });
  // Legend, right-aligned on the title line.
  doc.font(FONT).fontSize(7);
  let lx = box.x + box.width;
  for (const line of [...spec.lines].reverse()) {
    const name = pdfText(line.name);
    lx -= doc.widthOfString(name) + 12;
    doc.rect(lx, box.y + 1.5, 6, 6).fill(line.color);
    doc.fillColor(MUTED).text(name, lx + 8, box.y + 1, { lineBreak: false });
    lx -= 6;
  }
  doc.lineWidth(0.4).strokeColor(RULE);
  for (const t of layout.yTicks) {
    doc
      .moveTo(plot.x, t.y)
      .lineTo(plot.x + plot.width, t.y)
      .stroke();
    doc.fillColor(MUTED).text(pdfText(t.label), plot.x - 48, t.y - 3, { width: 45, align: 'right', lineBreak: false });
  }
  doc.lineWidth(0.6).strokeColor('#94a3b8');
  const bottom = plot.y + plot.height;
  doc
    .moveTo(plot.x, bottom)
    .lineTo(plot.x + plot.width, bottom)
    .stroke();
  for (const t of layout.xTicks) {
    doc
      .moveTo(t.x, bottom)
      .lineTo(t.x, bottom + 2.5)
      .stroke();
    doc.fillColor(MUTED).text(pdfText(t.label), t.x - 30, bottom + 3.5, { width: 60, align: 'center', lineBreak: false });
  }
  if (layout.reference) {
    doc.lineWidth(0.6).strokeColor('#dc2626').opacity(0.7).dash(3, { space: 2 });
    doc
      .moveTo(plot.x, layout.reference.y)
      .lineTo(plot.x + plot.width, layout.reference.y)
      .stroke();
    doc.undash().opacity(1);
  }
  for (const line of layout.lines) {
    doc.lineWidth(1).strokeColor(line.color).lineJoin('round');
    for (const run of line.runs) {
      const [first, ...rest] = run;
      if (!first) continue;
      doc.moveTo(first[0], first[1]);
      if (rest.length === 0) doc.lineTo(first[0] + 0.8, first[1]);
      for (const [x, y] of rest) doc.lineTo(x, y);
      doc.stroke();
    }
  }
  if (layout.lines.every((l) => l.runs.length === 0))
    doc
      .fillColor(MUTED)
      .fontSize(8)
      .text('no data', plot.x, plot.y + plot.height / 2 - 4, { width: plot.width, align: 'center', lineBreak: false });
  doc.restore();
}

export interface Column {
  title: string;
  width: number;
  align?: 'left' | 'right';
}

/**
 * A table of one-line cells (cut with an ellipsis when too long), starting a new page when a row would not fit;
 * the header row is repeated on the new page.
 */
export function drawTable(
  doc: PDFKit.PDFDocument,
  columns: Column[],
  rows: string[][],
  options: { x: number; fontSize?: number; ensure: (height: number) => void; colors?: (string | null)[] },
): void {
  const size = options.fontSize ?? 8.5;
  const rowHeight = size + 6;
  const header = () => {
    doc
      .font(BOLD)
      .fontSize(size - 0.5)
      .fillColor(MUTED);
    let x = options.x;
    const y = doc.y;
    for (const c of columns) {
      doc.text(pdfText(c.title), x + 3, y + 3, { width: c.width - 6, align: c.align ?? 'left', ellipsis: true, height: size * 1.2 });
      x += c.width;
    }
    const total = columns.reduce((w, c) => w + c.width, 0);
    doc
      .lineWidth(0.6)
      .strokeColor('#cbd5e1')
      .moveTo(options.x, y + rowHeight)
      .lineTo(options.x + total, y + rowHeight)
      .stroke();
    doc.y = y + rowHeight;
  };
  options.ensure(rowHeight * 2);
  header();
  rows.forEach((cells, r) => {
    const before = doc.page;
    options.ensure(rowHeight);
    if (doc.page !== before) header();
    const y = doc.y;
    let x = options.x;
    cells.forEach((cell, i) => {
      const c = columns[i] as Column;
      doc
        .font(FONT)
        .fontSize(size)
        .fillColor(i === 0 ? (options.colors?.[r] ?? INK) : INK)
        .text(pdfText(cell), x + 3, y + 3, { width: c.width - 6, align: c.align ?? 'left', ellipsis: true, height: size * 1.2 });
      x += c.width;
    });
    const total = columns.reduce((w, c) => w + c.width, 0);
    doc
      .lineWidth(0.4)
      .strokeColor(RULE)
      .moveTo(options.x, y + rowHeight)
      .lineTo(options.x + total, y + rowHeight)
      .stroke();
    doc.y = y + rowHeight;
  });
}
