import { readdirSync } from "node:fs";
import { expect } from "vitest";
import type { ColumnComponents, MetricComponent, ProfileMessage } from "../../src/codec/index.js";
import { ProfileError } from "../../src/errors.js";
import { DatasetProfileView } from "../../src/index.js";
import type { ProfileErrorKind } from "../../src/errors.js";
import { readVector, sharedDir, vectorPath } from "../support/shared.js";

/** Every whylogs-written profile in the shared vectors (empty when the shared material is absent). */
export function whylogsVectors(): string[] {
  if (sharedDir === null) return [];
  return readdirSync(vectorPath("whylogs"))
    .filter((f) => f.endsWith(".bin"))
    .sort();
}

export function readWhylogs(name: string): Uint8Array {
  return readVector("whylogs", name);
}

/** Runs `f`, which must throw a ProfileError; returns it. Any other outcome fails the test. */
export function profileError(f: () => unknown): ProfileError {
  try {
    f();
  } catch (e) {
    if (e instanceof ProfileError) return e;
    throw new Error(`expected a ProfileError, got ${String(e)}`, { cause: e });
  }
  throw new Error("expected a ProfileError, but the call succeeded");
}

export function errorKind(f: () => unknown): ProfileErrorKind {
  return profileError(f).kind;
}

/**
 * Deserializes bytes that may be damaged: a ProfileError is "rejected", any other error fails the test. A
 * success must give a usable view: its summaries work, it survives a serialize / deserialize round trip (same
 * columns, same performance metrics), and merging it with that copy works, summary included, or is refused as
 * `incompatible`.
 */
export function checkDeserialize(bytes: Uint8Array): "ok" | "rejected" {
  let view: DatasetProfileView;
  try {
    view = DatasetProfileView.deserialize(bytes);
  } catch (e) {
    if (!(e instanceof ProfileError)) throw new Error(`non-ProfileError: ${String(e)}`, { cause: e });
    return "rejected";
  }
  view.toSummary();
  view.toSummary({ hllStdDevs: 3, frequentItemsErrorType: "no-false-negatives" });
  const again = DatasetProfileView.deserialize(view.serialize());
  expect(again.columnNames()).toEqual(view.columnNames());
  expect(again.performance).toEqual(view.performance);
  try {
    view.merge(again).toSummary();
  } catch (e) {
    // A damaged path can turn a standard namespace into a preserved one whose doubles have no known merge:
    // refusing that merge is the documented outcome.
    if (!(e instanceof ProfileError) || e.kind !== "incompatible") throw e;
  }
  return "ok";
}

export function component(msg: ProfileMessage, column: string, path: string): MetricComponent {
  const c = msg.columns.get(column)?.get(path);
  if (c === undefined) throw new Error(`no component ${path} in column ${column}`);
  return c;
}

/** The int64 value of an `n` component. */
export function nValue(columns: ColumnComponents, path: string): bigint | undefined {
  const c = columns.get(path);
  if (c === undefined) return undefined;
  expect(c.kind).toBe("n");
  return c.kind === "n" ? c.value : undefined;
}

/** Deterministic PRNG (mulberry32) for fuzz-style tests. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
}

export function utf8(s: string): number[] {
  return Array.from(new TextEncoder().encode(s));
}

/**
 * A deep copy of a value with Maps as entry arrays and byte arrays as base64 strings: toStrictEqual on this
 * form is exact (Map order included) and fast, where comparing large Uint8Arrays element by element is not.
 */
export function comparable(value: unknown): unknown {
  if (value instanceof Uint8Array) return `bytes:${Buffer.from(value).toString("base64")}`;
  if (value instanceof Map) return { map: [...value].map(([k, v]) => [comparable(k), comparable(v)]) };
  if (Array.isArray(value)) return value.map(comparable);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = comparable(v);
    return out;
  }
  return value;
}

/** Byte equality with a short failure message (vitest's deep equality is slow on large arrays). */
export function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  let at = -1;
  const n = Math.min(actual.length, expected.length);
  for (let i = 0; i < n; i++) {
    if (actual[i] !== expected[i]) {
      at = i;
      break;
    }
  }
  if (at < 0 && actual.length !== expected.length) at = n;
  expect(at, `first differing byte (lengths ${actual.length} / ${expected.length})`).toBe(-1);
}
