/**
 * A tiny line of recent values (0-100) as an SVG path: cheap enough for hundreds of cards updating every second.
 * SVG rather than a canvas: Chromium composites each canvas as a layer of its own, and with a few dozen cards on
 * screen, working out the layers of every scrolled frame cost more than drawing them (bench:web, issue 5).
 */
export function Sparkline({
  values,
  width = 120,
  height = 28,
  label,
}: {
  values: readonly number[];
  width?: number;
  height?: number;
  label: string;
}) {
  let line = '';
  if (values.length >= 2) {
    const step = width / (values.length - 1);
    for (let i = 0; i < values.length; i++) {
      const v = Math.min(100, Math.max(0, values[i] as number));
      const y = height - 1 - (v / 100) * (height - 2);
      line += `${i === 0 ? 'M' : 'L'}${(i * step).toFixed(1)} ${y.toFixed(1)}`;
    }
  }
  return (
    <svg className="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label}>
      {line && (
        <>
          <path d={`${line}L${width} ${height}L0 ${height}Z`} fill="currentColor" fillOpacity={0.15} />
          <path d={line} fill="none" stroke="currentColor" strokeWidth={1.5} />
        </>
      )}
    </svg>
  );
}
