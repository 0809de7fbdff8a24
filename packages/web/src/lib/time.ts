// The time window every project page shares, kept in the URL so any view deep-links: `range=24h|7d|30d` (ending
// at the current hour) or `start` + `end` (ISO 8601 or epoch ms) for a custom window.

export const PRESETS = ["24h", "7d", "30d"] as const;
export type Preset = (typeof PRESETS)[number];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const PRESET_MS: Record<Preset, number> = { "24h": DAY, "7d": 7 * DAY, "30d": 30 * DAY };
export const DEFAULT_PRESET: Preset = "7d";

export interface Window {
  readonly start: number;
  readonly end: number;
  /** The preset it came from; null for a custom window. */
  readonly preset: Preset | null;
}

export function parseInstant(text: string | null): number | null {
  if (text === null || text.trim() === "") return null;
  const t = /^-?\d+$/.test(text.trim()) ? Number(text) : Date.parse(text);
  return Number.isFinite(t) ? t : null;
}

/** The window a URL asks for; presets end at the start of the next hour so the current bucket is included. */
export function windowOf(params: URLSearchParams, now = Date.now()): Window {
  const start = parseInstant(params.get("start"));
  const end = parseInstant(params.get("end"));
  if (start !== null && end !== null && end > start) return { start, end, preset: null };
  const range = params.get("range");
  const preset = (PRESETS as readonly string[]).includes(range ?? "") ? (range as Preset) : DEFAULT_PRESET;
  const until = Math.ceil((now + 1) / HOUR) * HOUR;
  return { start: until - PRESET_MS[preset], end: until, preset };
}

/** The same window expressed as URL parameters (the preset when there is one). */
export function windowParams(window: Window): Record<string, string> {
  if (window.preset !== null) return { range: window.preset };
  return { start: new Date(window.start).toISOString(), end: new Date(window.end).toISOString() };
}

/** Value for an <input type="datetime-local"> in the browser's time zone. */
export function toLocalInput(t: number): string {
  const d = new Date(t);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function fromLocalInput(text: string): number | null {
  if (text === "") return null;
  const t = new Date(text).getTime();
  return Number.isFinite(t) ? t : null;
}

/** Milliseconds of one bucket (week = 7 days; the server handles time zones, the UI only spaces points). */
export function bucketMs(frequency: "hour" | "day" | "week"): number {
  return frequency === "hour" ? HOUR : frequency === "day" ? DAY : 7 * DAY;
}

/**
 * The window's search parameters with others kept: pages change one parameter (range, segment, baseline) and
 * keep the rest, so a link always reproduces the view.
 */
export function withParams(params: URLSearchParams, changes: Record<string, string | null>): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const [key, value] of Object.entries(changes)) {
    if (value === null || value === "") next.delete(key);
    else next.set(key, value);
  }
  return next;
}

/** Switching to a preset drops a custom start/end and vice versa. */
export function paramsForWindow(params: URLSearchParams, window: Window): URLSearchParams {
  return withParams(params, {
    range: window.preset,
    start: window.preset === null ? new Date(window.start).toISOString() : null,
    end: window.preset === null ? new Date(window.end).toISOString() : null,
  });
}
