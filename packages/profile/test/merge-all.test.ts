import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { DatasetProfile, DatasetProfileView } from "../src/index.js";

function profile(seed: number, rows: number, distinct: number): DatasetProfileView {
  const x: number[] = [];
  const s: string[] = [];
  const n: (number | null)[] = [];
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
  for (let i = 0; i < rows; i++) {
    x.push((next() % 10_000) / 7);
    s.push(`v${next() % distinct}`);
    n.push(i % 5 === 0 ? null : next() % distinct);
  }
  return new DatasetProfile({ datasetTimestamp: 1_700_000_000_000 + seed }).track({ x, s, n }).view();
}

function comparable(view: DatasetProfileView, message: ReturnType<DatasetProfileView["toMessage"]>): unknown {
  const columns: Record<string, unknown> = {};
  for (const [name, components] of message.columns) {
    const out: Record<string, unknown> = {};
    for (const [path, component] of components) {
      out[path] = path.startsWith("frequent_items") || path === "distribution/kll" ? null : component;
    }
    const summary = view.column(name)!.toSummary();
    for (const key of ["distribution/n", "distribution/min", "distribution/max"]) out[key] = summary[key];
    const items = summary["frequent_items/frequent_strings"];
    out["items"] = Array.isArray(items) ? [...items].sort((a, b) => (a.value < b.value ? -1 : 1)) : items;
    columns[name] = out;
  }
  return { ...message, columns };
}

describe("DatasetProfileView.mergeAll", () => {
  // Equal to the fold in every component but two: frequent items may list their entries in another order (a
  // copy re-inserts them), so they are compared as sets of (item, estimate, bounds); and a KLL compacts with other
  // random bits when it is not copied between merges, so its quantiles are another sample of the same
  // guarantee — its count, minimum and maximum must still be equal.
  it("equals merging left to right", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            seed: fc.integer({ min: 1, max: 1e9 }),
            rows: fc.integer({ min: 0, max: 3000 }),
            distinct: fc.integer({ min: 1, max: 5000 }),
          }),
          { minLength: 1, maxLength: 8 },
        ),
        (specs) => {
          const views = specs.map((p) => profile(p.seed, p.rows, p.distinct));
          const folded = views.reduce((a, b) => a.merge(b));
          const all = DatasetProfileView.mergeAll(views);
          // Messages first: a quantile query sorts a KLL's level 0 in place, which its serialized flags show.
          const messages = [all.toMessage(), folded.toMessage()];
          expect(comparable(all, messages[0]!)).toEqual(comparable(folded, messages[1]!));
        },
      ),
      { numRuns: 40 },
    );
  });

  it("is deterministic", () => {
    const views = [profile(1, 5000, 100), profile(2, 7000, 3000), profile(3, 100, 5)];
    expect(DatasetProfileView.mergeAll(views).serialize()).toEqual(
      DatasetProfileView.mergeAll(views).serialize(),
    );
  });

  it("leaves its inputs unchanged and refuses an empty list", () => {
    const a = profile(1, 100, 50);
    const b = profile(2, 100, 50);
    const before = a.serialize();
    DatasetProfileView.mergeAll([a, b]);
    expect(a.serialize()).toEqual(before);
    expect(() => DatasetProfileView.mergeAll([])).toThrow(/at least one/);
  });
});
