// Profiles for the drift report tests (unit and browser): generated data with a shifted numeric and a shifted
// categorical column, unchanged columns, a column with a long tail of categories, columns without values or
// with infinities, and hostile names and values that must reach the page as text.
import { compareProfiles } from "@sightglass/analysis";
import type { ProfileComparison } from "@sightglass/analysis";
import { DatasetProfile } from "@sightglass/profile";
import type { DatasetProfileView } from "@sightglass/profile";

export const HOSTILE_COLUMN = "</script><script>alert(1)</script>";
export const QUOTED_COLUMN = `"'><img src=x onerror=alert(2)>`;
export const RTL_COLUMN = "\u202Eمرحبا بالعالم שלום";
export const LONG_COLUMN = `long_${"x".repeat(10_000)}`;
export const HOSTILE_VALUES = [
  "<img src=x onerror=alert(3)>",
  "</script><!--",
  `"quoted" & 'single'`,
  "\u2028line\u2029separators",
  "\u202Eمرحبا بالعالم",
  "y".repeat(10_000),
] as const;
/** Categories of the long-tailed `city` column. */
export const CITIES = 60;

/** mulberry32: a small seeded generator, so every run profiles the same data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

function pick<T>(random: () => number, values: readonly T[], weights: readonly number[]): T {
  const total = weights.reduce((a, b) => a + b, 0);
  let x = random() * total;
  for (let i = 0; i < values.length; i++) {
    x -= weights[i]!;
    if (x < 0) return values[i]!;
  }
  return values[values.length - 1]!;
}

const COLORS = ["red", "green", "blue", "yellow", "purple"] as const;

function columns(n: number, seed: number, shifted: boolean): Record<string, ArrayLike<unknown>> {
  const random = rng(seed);
  const price = new Float64Array(n);
  const amount = new Float64Array(n);
  const color: string[] = [];
  const city: string[] = [];
  const hostile: string[] = [];
  const quoted = new Float64Array(n);
  const rtl: number[] = [];
  const long = new Float64Array(n);
  const missing: (number | null)[] = [];
  const withInfinity: number[] = [];
  const cityWeights = Array.from({ length: CITIES }, (_, i) => 1 / (i + 1 + (shifted ? (i % 7) * 0.5 : 0)));
  const cities = Array.from({ length: CITIES }, (_, i) => `city_${String(i).padStart(2, "0")}`);
  for (let i = 0; i < n; i++) {
    price[i] = 100 + 15 * normal(random) + (shifted ? 12 : 0);
    amount[i] = 50 + 10 * normal(random);
    color.push(pick(random, COLORS, shifted ? [25, 25, 20, 10, 20] : [40, 30, 20, 10, 0]));
    city.push(pick(random, cities, cityWeights));
    hostile.push(
      pick(random, [...HOSTILE_VALUES, "plain"], [...HOSTILE_VALUES.map(() => 1), shifted ? 5 : 1]),
    );
    quoted[i] = random() * 10;
    rtl.push(Math.floor(random() * 1000));
    long[i] = normal(random);
    missing.push(shifted && random() < 0.2 ? null : random());
    withInfinity.push(i === 0 ? Infinity : i === 1 ? -Infinity : normal(random));
  }
  const cols: Record<string, ArrayLike<unknown>> = {
    price,
    amount,
    color,
    city,
    [HOSTILE_COLUMN]: hostile,
    [QUOTED_COLUMN]: quoted,
    [RTL_COLUMN]: rtl,
    [LONG_COLUMN]: long,
    missing,
    with_infinity: withInfinity,
    empty: new Array<null>(n).fill(null),
  };
  if (!shifted) cols.only_in_reference = Float64Array.from({ length: n }, () => random());
  return cols;
}

export interface DriftFixture {
  readonly reference: DatasetProfileView;
  readonly target: DatasetProfileView;
  readonly comparison: ProfileComparison;
}

export function driftFixture(n = 3000): DriftFixture {
  const reference = new DatasetProfile().track(columns(n, 1, false)).view();
  const target = new DatasetProfile().track(columns(n, 2, true)).view();
  return { reference, target, comparison: compareProfiles(reference, target) };
}
