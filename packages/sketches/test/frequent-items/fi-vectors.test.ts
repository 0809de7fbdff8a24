import { describe, expect, it } from "vitest";
import { ErrorType, FrequentItemsSketch } from "../../src/index.js";
import type { FrequentItemRow } from "../../src/index.js";
// Internal module: the hash emulation is checked against its own vectors directly.
import { libstdcxxSlotHash } from "../../src/frequent-items/libstdcxx-hash.js";
import { readVector, readVectorJson, requireShared } from "../support/shared.js";
import { firstDifference, zipfRanks } from "../support/streams.js";

interface SidecarRow {
  item: string;
  estimate: number;
  lower_bound: number;
  upper_bound: number;
}
interface Probe extends SidecarRow {
  true_count: number;
}
interface Sidecar {
  header: {
    preamble_longs: number;
    serial_version: number;
    family_id: number;
    lg_max_map_size: number;
    lg_cur_map_size: number;
    flags: number;
    num_items?: number;
    total_weight?: number;
    offset?: number;
  };
  serialized_size: number;
  total_weight: number;
  num_active_items: number;
  maximum_error: number;
  epsilon: number;
  apriori_error_for_total_weight: number;
  frequent_items_NO_FALSE_POSITIVES: SidecarRow[];
  frequent_items_NO_FALSE_NEGATIVES: SidecarRow[];
  probes: Probe[];
  serialized_item_order?: string[];
  retained_counters_sorted_by_item: [string, number][];
}

const ranks = zipfRanks();

function fill(sk: FrequentItemsSketch, from: number, to: number): FrequentItemsSketch {
  for (let t = from; t < to; t++) sk.update(`w${ranks[t]!}`);
  return sk;
}

/** The README recipes. */
const RECIPES: Record<string, () => FrequentItemsSketch> = {
  fi_string_lg7_empty: () => new FrequentItemsSketch(7),
  fi_string_lg7_small_exact: () => {
    const sk = new FrequentItemsSketch(7);
    sk.update("aaa", 1);
    sk.update("bbb", 2);
    sk.update("ccc", 3);
    sk.update("ddd", 4);
    sk.update("абв", 5);
    sk.update("aaa");
    return sk;
  },
  fi_string_lg7_zipf: () => fill(new FrequentItemsSketch(7), 0, ranks.length),
  fi_string_lg10_zipf: () => fill(new FrequentItemsSketch(10), 0, ranks.length),
  fi_string_lg7_zipf_weighted: () => {
    const sk = new FrequentItemsSketch(7);
    for (let r = 1; r <= 2000; r++) sk.update(`w${r}`, Math.floor(10000 / r));
    return sk;
  },
  fi_string_lg10_merge: () => {
    const half = Math.floor(ranks.length / 2);
    const a = fill(new FrequentItemsSketch(10), 0, half);
    const b = fill(new FrequentItemsSketch(7), half, ranks.length);
    a.merge(b);
    return a;
  },
};

function toRows(rows: SidecarRow[]): FrequentItemRow[] {
  return rows.map((r) => ({
    item: r.item,
    estimate: r.estimate,
    lowerBound: r.lower_bound,
    upperBound: r.upper_bound,
  }));
}

function retainedSorted(sk: FrequentItemsSketch): [string, number][] {
  // NO_FALSE_NEGATIVES with threshold -1 lists every retained item.
  return sk
    .getFrequentItems(ErrorType.NO_FALSE_NEGATIVES, -1)
    .map((r): [string, number] => [r.item, r.lowerBound])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** Decoded item order of an image (u32 length + UTF-8 bytes after the counters). */
function itemOrder(bytes: Uint8Array): string[] {
  if (bytes.length === 8) return [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(8, true);
  let off = 32 + 8 * n;
  const out: string[] = [];
  const dec = new TextDecoder();
  for (let k = 0; k < n; k++) {
    const len = view.getUint32(off, true);
    out.push(dec.decode(bytes.subarray(off + 4, off + 4 + len)));
    off += 4 + len;
  }
  return out;
}

function checkQueries(sk: FrequentItemsSketch, side: Sidecar): void {
  expect(sk.getTotalWeight()).toBe(side.total_weight);
  expect(sk.getNumActiveItems()).toBe(side.num_active_items);
  expect(sk.getMaximumError()).toBe(side.maximum_error);
  expect(sk.getEpsilon()).toBe(side.epsilon);
  expect(sk.isEmpty()).toBe(side.num_active_items === 0);
  expect(FrequentItemsSketch.getAprioriError(side.header.lg_max_map_size, side.total_weight)).toBe(
    side.apriori_error_for_total_weight,
  );
  expect(sk.getFrequentItems(ErrorType.NO_FALSE_POSITIVES)).toEqual(
    toRows(side.frequent_items_NO_FALSE_POSITIVES),
  );
  expect(sk.getFrequentItems(ErrorType.NO_FALSE_NEGATIVES)).toEqual(
    toRows(side.frequent_items_NO_FALSE_NEGATIVES),
  );
  for (const p of side.probes) {
    expect([p.item, sk.getEstimate(p.item), sk.getLowerBound(p.item), sk.getUpperBound(p.item)]).toEqual([
      p.item,
      p.estimate,
      p.lower_bound,
      p.upper_bound,
    ]);
    expect(p.lower_bound <= p.true_count && p.true_count <= p.upper_bound).toBe(true);
  }
  expect(retainedSorted(sk)).toEqual(side.retained_counters_sorted_by_item);
}

describe("frequent items: reference vectors (datasketches-cpp, libstdc++)", () => {
  if (!requireShared()) return;

  for (const [name, build] of Object.entries(RECIPES)) {
    describe(name, () => {
      const expected = readVector("datasketches", `${name}.sk`);
      const side = readVectorJson<Sidecar>("datasketches", `${name}.json`);

      it("rebuilds byte-for-byte (header, counters and libstdc++ item order)", () => {
        const sk = build();
        const got = sk.serialize();
        expect(firstDifference(got, expected)).toBeNull();
        expect(got.length).toBe(side.serialized_size);
        expect(itemOrder(got)).toEqual(side.serialized_item_order ?? []);
      });

      it("answers every query of the sidecar exactly", () => {
        checkQueries(build(), side);
      });

      it("deserializes the reference image to the same state", () => {
        const sk = FrequentItemsSketch.deserialize(expected);
        checkQueries(sk, side);
        const h = side.header;
        const again = sk.serialize();
        // Header bytes 0..31 are stable; item order after a C++-style reload may differ (upstream too).
        expect(Array.from(again.subarray(0, 32))).toEqual(Array.from(expected.subarray(0, 32)));
        expect(again[0]).toBe(h.preamble_longs);
        expect(again[4]).toBe(h.lg_cur_map_size);
        checkQueries(FrequentItemsSketch.deserialize(again), side);
      });
    });
  }

  it("emulates fmix64(libstdc++ std::hash<std::string>) in the bits that place slots", () => {
    const v = readVectorJson<{ entries: { item: string; std_hash: string; fmix64: string }[] }>(
      "datasketches",
      "fi_libstdcxx_hash_vectors.json",
    );
    expect(v.entries.length).toBeGreaterThan(0);
    // Tables have at most 2^22 slots, so only the low 32 bits are computed; every high bit of the
    // intermediate std::hash feeds them through fmix64's shifts, so a wrong high word shows here too.
    for (const e of v.entries) {
      const low = (libstdcxxSlotHash(e.item) >>> 0).toString(16).padStart(8, "0");
      expect([e.item, low]).toEqual([e.item, e.fmix64.slice(-8)]);
    }
  });
});
