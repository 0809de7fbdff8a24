import { describe, expect, it } from "vitest";
import { DatasetProfile } from "../src/index.js";
import { checkDeserialize, prng, readWhylogs } from "./codec/codec-helpers.js";
import { requireShared } from "./support/shared.js";

// The codec fuzz tests stop at the format; this one goes through the metrics too. Whatever the bytes,
// DatasetProfileView.deserialize returns a view whose summary and serialization work and whose merge works or
// is refused as `incompatible`, or throws a ProfileError — never another error type (checkDeserialize).
// Corrupt sketch images inside a well-formed file are the case the codec alone cannot see.

function flips(src: Uint8Array, seed: number, count: number): Uint8Array[] {
  const rnd = prng(seed);
  return Array.from({ length: count }, () => {
    const out = src.slice();
    const edits = 1 + Math.floor(rnd() * 3);
    for (let i = 0; i < edits; i++) out[Math.floor(rnd() * out.length)] = Math.floor(rnd() * 256);
    return out;
  });
}

function ownProfile(): Uint8Array {
  const p = new DatasetProfile({ datasetTimestamp: 0, creationTimestamp: 0 });
  p.track({
    f: Float64Array.from({ length: 3000 }, (_, i) => Math.sin(i) * 100),
    i: Array.from({ length: 3000 }, (_, i) => (i * 31) % 700),
    s: Array.from({ length: 3000 }, (_, i) => `v${i % 50}`),
    b: Array.from({ length: 3000 }, (_, i) => i % 3 === 0),
  });
  return p.view().serialize();
}

describe("deserialize → summary / merge / serialize on corrupted bytes", () => {
  it("our own profile: byte flips across the whole file, and random multi-byte edits", () => {
    const src = ownProfile();
    const outcomes = { ok: 0, rejected: 0 };
    // About 1500 positions spread over the whole file (a fixed xor each), then random edits.
    for (let at = 0; at < src.length; at += Math.max(1, Math.floor(src.length / 1500))) {
      const out = src.slice();
      out[at] = out[at]! ^ 0x5a;
      outcomes[checkDeserialize(out)]++;
    }
    for (const b of flips(src, 11, 500)) outcomes[checkDeserialize(b)]++;
    // Both outcomes occur: the test exercises the metric layer, not only the format checks.
    expect(outcomes.ok).toBeGreaterThan(0);
    expect(outcomes.rejected).toBeGreaterThan(0);
  });
});

describe("deserialize → summary / merge / serialize on corrupted whylogs files", () => {
  if (!requireShared()) return;
  it("real whylogs profiles with random edits", () => {
    for (const name of ["active_col_2024.bin", "whylogs-1.3.11_small.bin", "segmented_ranking.bin"]) {
      for (const b of flips(readWhylogs(name), name.length, 300)) checkDeserialize(b);
    }
  });
});
