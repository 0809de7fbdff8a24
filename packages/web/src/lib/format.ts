// Number and time formatting shared by every page, so the same value reads the same everywhere.

const compact = new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 1 });
const plain = new Intl.NumberFormat("en", { maximumFractionDigits: 0 });

export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "—";
  return Math.abs(n) >= 100_000 ? compact.format(n) : plain.format(n);
}

/** Up to `digits` significant digits, scientific for very small or large magnitudes. */
export function formatNumber(n: number | null | undefined, digits = 4): string {
  if (n === null || n === undefined) return "—";
  if (!Number.isFinite(n)) return String(n);
  if (n === 0) return "0";
  const abs = Math.abs(n);
  if (abs < 1e-3 || abs >= 1e7) return n.toExponential(Math.max(0, digits - 2));
  return Number(n.toPrecision(digits)).toLocaleString("en", { maximumFractionDigits: 8 });
}

export function formatPercent(ratio: number | null | undefined, digits = 1): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return "—";
  if (ratio > 0 && ratio < 0.001) return "<0.1%";
  return `${(ratio * 100).toFixed(digits)}%`;
}

const dateTime = new Intl.DateTimeFormat("en", {
  year: "numeric",
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  hour12: false,
});
const dateOnly = new Intl.DateTimeFormat("en", { year: "numeric", month: "short", day: "numeric" });

export function formatTime(t: number | null | undefined): string {
  return t === null || t === undefined ? "—" : dateTime.format(new Date(t));
}

export function formatDate(t: number | null | undefined): string {
  return t === null || t === undefined ? "—" : dateOnly.format(new Date(t));
}

export function formatRange(start: number, end: number): string {
  return `${formatTime(start)} – ${formatTime(end)}`;
}

/** "5 min ago", "3 h ago", "2 d ago". */
export function formatAge(t: number | null | undefined, now = Date.now()): string {
  if (t === null || t === undefined) return "never";
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

export function driftLabel(category: string | null | undefined): string {
  return category === "drift"
    ? "Drift"
    : category === "possible_drift"
      ? "Possible drift"
      : category === "no_drift"
        ? "No drift"
        : "—";
}
