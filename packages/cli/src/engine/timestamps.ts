// Turning a column's values into epoch milliseconds and time buckets, for `profile --timestamp-column` and
// `performance --window`.

export type BucketSize = "hour" | "day" | "week" | "month";

export const BUCKET_SIZES: readonly BucketSize[] = ["hour", "day", "week", "month"];
export type TimestampUnit = "auto" | "s" | "ms" | "us" | "ns";

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * Start of the UTC bucket holding `ms`. Weeks start on Monday 00:00 UTC (ISO 8601 weeks, as WhyLabs' weekly
 * batches do); months on the first day of the calendar month, 00:00 UTC.
 */
export function bucketStart(ms: number, size: BucketSize): number {
  switch (size) {
    case "hour":
      return Math.floor(ms / HOUR_MS) * HOUR_MS;
    case "day":
      return Math.floor(ms / DAY_MS) * DAY_MS;
    case "week": {
      const day = Math.floor(ms / DAY_MS);
      // 1970-01-01 was a Thursday: Monday is three days before it.
      const sinceMonday = (((day + 3) % 7) + 7) % 7;
      return (day - sinceMonday) * DAY_MS;
    }
    case "month": {
      const d = new Date(ms);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    }
  }
}

/** Start of the bucket after the one starting at `start` (the end of that bucket, exclusive). */
export function bucketEnd(start: number, size: BucketSize): number {
  switch (size) {
    case "hour":
      return start + HOUR_MS;
    case "day":
      return start + DAY_MS;
    case "week":
      return start + 7 * DAY_MS;
    case "month": {
      const d = new Date(start);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    }
  }
}

/**
 * Epoch milliseconds from an epoch number in `unit`; "auto" reads the magnitude (seconds until 1e11, etc.).
 * Rounded to whole milliseconds: 1714571130.25 s × 1000 is 1714571130249.9998 in binary floating point, which
 * would put a row on a bucket boundary into the previous bucket.
 */
function fromEpochNumber(n: number, unit: TimestampUnit): number {
  return Math.round(scaleToMillis(n, unit));
}

function scaleToMillis(n: number, unit: TimestampUnit): number {
  switch (unit) {
    case "s":
      return n * 1000;
    case "ms":
      return n;
    case "us":
      return n / 1000;
    case "ns":
      return n / 1_000_000;
    case "auto": {
      const a = Math.abs(n);
      // Epoch seconds stay below 1e11 until the year 5138; milliseconds below 1e14 until 5138, and so on.
      if (a < 1e11) return n * 1000;
      if (a < 1e14) return n;
      if (a < 1e17) return n / 1000;
      return n / 1_000_000;
    }
  }
}

// ISO 8601 / RFC 3339 and the "YYYY-MM-DD HH:MM:SS" text pandas and SQL dumps write. Group 8 is the zone.
const ISO_TEXT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*(Z|z|UTC|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Epoch milliseconds of a timestamp value, or NaN when it is missing or not a time. Text without a zone is
 * read as UTC (never the machine's local time, so a profile does not depend on where it was made).
 */
export function toEpochMillis(value: unknown, unit: TimestampUnit = "auto"): number {
  if (value === null || value === undefined) return NaN;
  if (typeof value === "number") return Number.isFinite(value) ? fromEpochNumber(value, unit) : NaN;
  if (typeof value === "bigint") return fromEpochNumber(Number(value), unit);
  if (value instanceof Date) return value.getTime();
  if (typeof value !== "string") return NaN;
  const m = ISO_TEXT.exec(value.trim());
  if (m === null) {
    const n = Number(value);
    return value.trim() !== "" && Number.isFinite(n) ? fromEpochNumber(n, unit) : NaN;
  }
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const month = Number(mo);
  const day = Number(d);
  const hour = h === undefined ? 0 : Number(h);
  const minute = mi === undefined ? 0 : Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return NaN;
  let ms = Date.UTC(Number(y), month - 1, day, hour, minute, second);
  // Date.UTC rolls 2021-02-30 over into March; a day that does not exist is not a time.
  if (new Date(ms).getUTCDate() !== day) return NaN;
  if (frac !== undefined) ms += Math.floor(Number(frac) * 1000);
  if (zone !== undefined && zone !== "Z" && zone !== "z" && zone !== "UTC") {
    const sign = zone[0] === "-" ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    const offset = Number(digits.slice(0, 2)) * 60 + (digits.length > 2 ? Number(digits.slice(2)) : 0);
    ms -= sign * offset * 60_000;
  }
  return ms;
}
