// A tiny inline trend drawn as one SVG path: cheap enough for a thousand table rows (ECharts is not).

export function Sparkline({
  points,
  width = 96,
  height = 24,
  label,
  color = "#2563eb",
}: {
  readonly points: readonly (number | null)[];
  readonly width?: number;
  readonly height?: number;
  readonly label: string;
  readonly color?: string;
}) {
  const values = points.filter((v): v is number => v !== null && Number.isFinite(v));
  if (values.length === 0) {
    return (
      <svg width={width} height={height} role="img" aria-label={`${label}: no data`} className="sparkline">
        <line x1={0} x2={width} y1={height / 2} y2={height / 2} stroke="#e5e7eb" />
      </svg>
    );
  }
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const span = max - min || 1;
  const step = points.length > 1 ? width / (points.length - 1) : 0;
  let path = "";
  let pen = false;
  points.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) {
      pen = false;
      return;
    }
    const x = (points.length > 1 ? i * step : width / 2).toFixed(1);
    const y = (height - 2 - ((v - min) / span) * (height - 4)).toFixed(1);
    path += `${pen ? "L" : "M"}${x} ${y}`;
    pen = true;
  });
  return (
    <svg width={width} height={height} role="img" aria-label={label} className="sparkline">
      <path d={path} fill="none" stroke={color} strokeWidth={1.5} />
    </svg>
  );
}
