import { type ChartSpec, layoutChart } from './chart.ts';

/** Text for HTML and SVG: the five characters that matter escaped. */
export const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

const n = (v: number) => (Math.round(v * 10) / 10).toString();

/** A chart as inline SVG (no script, no external asset): grid, axes with labels, a path per line, a legend. */
export function svgChart(spec: ChartSpec, width = 520, height = 190): string {
  const layout = layoutChart(spec, { x: 0, y: 22, width, height: height - 22 }, { left: 64, right: 16, top: 8, bottom: 18 });
  const { plot } = layout;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(spec.title)}">`,
    `<title>${escapeHtml(spec.title)}</title>`,
    `<text x="0" y="13" class="chart-title">${escapeHtml(spec.title)}</text>`,
  ];
  // The legend, right-aligned on the title line.
  let lx = width;
  for (const line of [...spec.lines].reverse()) {
    const w = 14 + line.name.length * 6.2;
    lx -= w + 10;
    out.push(`<rect x="${n(lx)}" y="5" width="10" height="10" rx="2" fill="${line.color}"/>`);
    out.push(`<text x="${n(lx + 14)}" y="14" class="legend">${escapeHtml(line.name)}</text>`);
  }
  out.push(`<rect x="${n(plot.x)}" y="${n(plot.y)}" width="${n(plot.width)}" height="${n(plot.height)}" class="plot"/>`);
  for (const t of layout.yTicks) {
    out.push(`<line x1="${n(plot.x)}" x2="${n(plot.x + plot.width)}" y1="${n(t.y)}" y2="${n(t.y)}" class="grid"/>`);
    out.push(`<text x="${n(plot.x - 5)}" y="${n(t.y + 3.5)}" class="tick" text-anchor="end">${escapeHtml(t.label)}</text>`);
  }
  for (const t of layout.xTicks) {
    out.push(`<line x1="${n(t.x)}" x2="${n(t.x)}" y1="${n(plot.y + plot.height)}" y2="${n(plot.y + plot.height + 4)}" class="axis"/>`);
    out.push(`<text x="${n(t.x)}" y="${n(plot.y + plot.height + 15)}" class="tick" text-anchor="middle">${escapeHtml(t.label)}</text>`);
  }
  if (layout.reference) {
    const y = n(layout.reference.y);
    out.push(`<line x1="${n(plot.x)}" x2="${n(plot.x + plot.width)}" y1="${y}" y2="${y}" class="reference"/>`);
  }
  for (const line of layout.lines) {
    const d = line.runs
      .map((run) =>
        run.length === 1 ? `M${n(run[0]?.[0] ?? 0)} ${n(run[0]?.[1] ?? 0)}h1` : `M${run.map(([x, y]) => `${n(x)} ${n(y)}`).join('L')}`,
      )
      .join('');
    if (d)
      out.push(
        `<path d="${d}" fill="none" stroke="${line.color}" stroke-width="1.6" stroke-linejoin="round" data-line="${escapeHtml(line.name)}"/>`,
      );
  }
  if (layout.lines.every((l) => l.runs.length === 0))
    out.push(`<text x="${n(plot.x + plot.width / 2)}" y="${n(plot.y + plot.height / 2)}" class="tick" text-anchor="middle">no data</text>`);
  out.push(
    `<line x1="${n(plot.x)}" x2="${n(plot.x + plot.width)}" y1="${n(plot.y + plot.height)}" y2="${n(plot.y + plot.height)}" class="axis"/>`,
  );
  out.push('</svg>');
  return out.join('');
}
