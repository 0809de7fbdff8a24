#!/usr/bin/env node
// The main job until the server lands: profile a generated stream with each sketch family and show
// how close the sketch answers are to the exact ones, and how small the serialized sketches are; then compare
// two windows of the stream, one of them with injected problems, from their profiles alone.
import {
  FrequentItemsSketch,
  HllSketch,
  HllType,
  KllDoublesSketch,
  ErrorType,
} from "../packages/sketches/dist/index.js";
import { DatasetProfile, DatasetProfileView } from "../packages/profile/dist/index.js";
import { compareProfiles } from "../packages/analysis/dist/index.js";

const N = 1_000_000;

// A deterministic "transaction amount" stream: log-normal-ish values from a xorshift generator.
let state = 0x2545f491;
function nextUniform() {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) / 4294967296;
}
const amounts = new Float64Array(N);
const merchants = new Array(N);
const customers = new Int32Array(N);
for (let i = 0; i < N; i++) {
  const u1 = nextUniform() || 1e-12;
  const u2 = nextUniform();
  amounts[i] = Math.exp(3 + 0.8 * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
  // Zipf-like merchant popularity: rank ~ 1 / u.
  merchants[i] = `merchant-${Math.min(50_000, Math.floor(1 / (nextUniform() + 2e-5)))}`;
  customers[i] = Math.floor(nextUniform() * 200_000);
}

const t0 = performance.now();
const kll = new KllDoublesSketch(200);
kll.updateMany(amounts);
const hll = new HllSketch(12, HllType.HLL_4);
for (let i = 0; i < N; i++) hll.updateInt64(customers[i]);
const fi = new FrequentItemsSketch(10);
for (let i = 0; i < N; i++) fi.update(merchants[i]);
const elapsed = performance.now() - t0;

const sorted = Float64Array.from(amounts).sort();
const exactDistinct = new Set(customers).size;
const exactCounts = new Map();
for (const m of merchants) exactCounts.set(m, (exactCounts.get(m) ?? 0) + 1);

const fmt = (x, d = 3) => x.toFixed(d).padStart(12);
console.log(
  `Sightglass sketch engine: ${N.toLocaleString("en-US")} rows profiled in ${elapsed.toFixed(0)} ms\n`,
);

console.log(
  `KLL quantiles of "amount" (k=200, ${kll.getNumRetained()} items retained, ` +
    `normalized rank error ±${(100 * kll.getNormalizedRankError(false)).toFixed(2)}%)`,
);
console.log("    rank        sketch         exact   rank of sketch answer");
for (const r of [0.01, 0.25, 0.5, 0.75, 0.95, 0.99]) {
  const q = kll.getQuantile(r);
  const exact = sorted[Math.min(N - 1, Math.ceil(r * N) - 1)];
  let lo = 0,
    hi = N;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] <= q) lo = mid + 1;
    else hi = mid;
  }
  console.log(`${fmt(r, 2)}  ${fmt(q)}  ${fmt(exact)}  ${fmt(lo / N, 4)}`);
}

console.log(`\nHLL distinct "customer_id" (lgK=12, HLL_4):`);
console.log(
  `  estimate ${hll.getEstimate().toFixed(0)}  exact ${exactDistinct}  ` +
    `95% interval [${hll.getLowerBound(2).toFixed(0)}, ${hll.getUpperBound(2).toFixed(0)}]`,
);

console.log(`\nFrequent "merchant" (lgMaxMapSize=10, max error ${fi.getMaximumError()}):`);
console.log("  item                 estimate   [lower, upper]          exact");
for (const row of fi.getFrequentItems(ErrorType.NO_FALSE_POSITIVES).slice(0, 5)) {
  console.log(
    `  ${row.item.padEnd(18)} ${String(row.estimate).padStart(10)}   ` +
      `[${row.lowerBound}, ${row.upperBound}]`.padEnd(22) +
      `${String(exactCounts.get(row.item)).padStart(8)}`,
  );
}

const sizes = {
  kll: kll.serialize().length,
  hll: hll.serializeCompact().length,
  frequentItems: fi.serialize().length,
};
console.log(
  `\nSerialized sizes (bytes): KLL ${sizes.kll}, HLL ${sizes.hll}, frequent items ${sizes.frequentItems} ` +
    `— versus ${(N * 8 * 2 + merchants.reduce((s, m) => s + m.length, 0)).toLocaleString("en-US")} bytes of raw values.`,
);

// The same stream as a whylogs-compatible dataset profile: one call, every column summarized, a file Python
// whylogs reads with why.read().
const profileStart = performance.now();
const profile = new DatasetProfile({ datasetTimestamp: Date.UTC(2024, 0, 1) });
profile.track({ amount: amounts, merchant: merchants, customer_id: customers });
const view = profile.view();
const bytes = view.serialize();
const seconds = (performance.now() - profileStart) / 1000;
const back = DatasetProfileView.deserialize(bytes).toSummary();
console.log(
  `\nDataset profile (whylogs v1, ${bytes.length.toLocaleString("en-US")} bytes, ${seconds.toFixed(2)} s for ` +
    `${(3 * N).toLocaleString("en-US")} cells):`,
);
for (const [column, s] of Object.entries(back)) {
  const parts = [
    `n ${s["counts/n"]}`,
    `null ${s["counts/null"]}`,
    `distinct≈${Math.round(s["cardinality/est"])}`,
  ];
  if (s["distribution/n"] > 0) parts.push(`median ${Number(s["distribution/median"]).toPrecision(5)}`);
  const top = s["frequent_items/frequent_strings"]?.[0];
  if (top !== undefined) parts.push(`top ${top.value} (${top.est})`);
  console.log(`  ${column.padEnd(12)} ${parts.join("  ")}`);
}

// Drift and data quality from profiles alone: the first half of the stream is the reference; the second half
// gets problems injected (amounts 40% higher after a currency mix-up, 8% of merchants missing after an upstream
// join broke, a merchant never seen before) and is compared with it.
const half = N / 2;
const reference = new DatasetProfile()
  .track({
    amount: amounts.subarray(0, half),
    merchant: merchants.slice(0, half),
    customer_id: customers.subarray(0, half),
  })
  .view();
const targetMerchants = merchants
  .slice(half)
  .map((m, i) => (i % 12 === 0 ? null : i % 50 === 1 ? "merchant-new" : m));
const target = new DatasetProfile()
  .track({
    amount: amounts.subarray(half).map((a) => a * 1.4),
    merchant: targetMerchants,
    customer_id: customers.subarray(half),
  })
  .view();
const compareStart = performance.now();
const comparison = compareProfiles(reference, target);
const compareMs = performance.now() - compareStart;
console.log(
  `\nDrift between two windows of ${half.toLocaleString("en-US")} rows, from their profiles (${compareMs.toFixed(1)} ms):`,
);
console.log("  column        method          statistic ± bound     p-value   category");
for (const c of comparison.columns) {
  const p = c.adjustedPValue === null ? "—" : c.adjustedPValue.toExponential(1);
  console.log(
    `  ${c.column.padEnd(12)}  ${c.method.padEnd(14)}  ${c.statistic.toPrecision(3).padStart(9)} ± ${c.bound.toPrecision(2).padEnd(8)}  ${p.padStart(8)}   ${c.category}`,
  );
}
console.log("Data quality:");
for (const f of comparison.quality) console.log(`  [${f.severity}] ${f.column}: ${f.message}`);
