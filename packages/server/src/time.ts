// Time buckets in a project's time zone: a daily project in America/New_York has buckets starting at local
// midnight (23 or 25 hours long across DST changes); weeks start on Monday, as ISO 8601 weeks do.
import type { BatchFrequency } from "./db/schema.js";
import { ApiError } from "./errors.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when the runtime knows the IANA zone name. */
export function isTimeZone(name: string): boolean {
  try {
    formatter(name);
    return true;
  } catch {
    return false;
  }
}

/** Offset of local wall-clock time from UTC at instant `ms`, in milliseconds. */
export function zoneOffset(ms: number, timeZone: string): number {
  if (timeZone === "UTC") return 0;
  const parts = formatter(timeZone).formatToParts(new Date(ms));
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  const wall = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return wall - (ms - (((ms % 1000) + 1000) % 1000));
}

/** The UTC instant of local wall time `wall` (ms as if UTC) in the zone; gaps resolve forward. */
function fromWall(wall: number, timeZone: string): number {
  let guess = wall - zoneOffset(wall, timeZone);
  const corrected = wall - zoneOffset(guess, timeZone);
  if (corrected !== guess) guess = corrected;
  return guess;
}

function floorWall(wall: number, frequency: BatchFrequency): number {
  const day = Math.floor(wall / DAY) * DAY;
  if (frequency === "hour") return Math.floor(wall / HOUR) * HOUR;
  if (frequency === "day") return day;
  // 1970-01-01 was a Thursday: shift so that weeks start on Monday.
  const weekday = (Math.floor(wall / DAY) + 3) % 7;
  return day - (weekday < 0 ? weekday + 7 : weekday) * DAY;
}

/** Start (UTC ms) of the bucket containing instant `ms`. */
export function bucketStart(ms: number, frequency: BatchFrequency, timeZone: string): number {
  const wall = ms + zoneOffset(ms, timeZone);
  const start = fromWall(floorWall(wall, frequency), timeZone);
  // A DST jump can put the computed start after `ms` by an hour; step back one local unit when it does.
  return start <= ms ? start : fromWall(floorWall(wall - HOUR, frequency), timeZone);
}

/** Start of the bucket after the one starting at `start`. */
export function nextBucketStart(start: number, frequency: BatchFrequency, timeZone: string): number {
  if (frequency === "hour") return bucketStart(start + HOUR, frequency, timeZone);
  // Local days last 23 to 25 hours: one hour past a nominal day (or week) always lands inside the next one.
  const step = frequency === "day" ? DAY : 7 * DAY;
  return bucketStart(start + step + HOUR, frequency, timeZone);
}

/** Parses a time parameter: epoch milliseconds or an ISO 8601 date-time. */
export function parseTime(value: string | number, field: string): number {
  if (typeof value === "number") return value;
  const n = /^-?\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(n)) {
    throw new ApiError(
      "bad-request",
      `${field} must be epoch milliseconds or an ISO 8601 date-time, got ${JSON.stringify(value)}`,
      { field },
    );
  }
  return n;
}
