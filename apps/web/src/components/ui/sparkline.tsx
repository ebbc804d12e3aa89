import { useEffect, useRef } from 'react';

/** A tiny line of recent values (0-100) on a canvas: cheap enough for hundreds of cards updating every second. */
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
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = width * dpr;
    canvas.height = height * dpr;
    ctx.scale(dpr, dpr);
    ctx.clearRect(0, 0, width, height);
    if (values.length < 2) return;
    const color = getComputedStyle(canvas).color;
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    const step = width / (values.length - 1);
    values.forEach((v, i) => {
      const y = height - 1 - (Math.min(100, Math.max(0, v)) / 100) * (height - 2);
      if (i === 0) ctx.moveTo(0, y);
      else ctx.lineTo(i * step, y);
    });
    ctx.stroke();
    ctx.lineTo(width, height);
    ctx.lineTo(0, height);
    ctx.globalAlpha = 0.15;
    ctx.fill();
  }, [values, width, height]);
  return <canvas ref={ref} className="sparkline" style={{ width, height }} role="img" aria-label={label} />;
}
