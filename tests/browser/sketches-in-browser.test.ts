// @sightglass/sketches in a real browser: the workload is bundled for platform "browser" (no Node built-ins),
// run in headless chromium, and its quantiles, estimates, frequent items and serialized images must equal —
// bit for bit — those of the same workload run here in Node.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { resolve } from "node:path";
import { BrowserSession } from "./support/browser.js";
import type { LoadedBundle } from "./support/browser.js";
import { bundleWorkload, repoRoot } from "./support/bundle.js";
import type { BrowserBundle } from "./support/bundle.js";
import { expectSameImages } from "./support/compare.js";
import { toWire } from "./support/wire.js";
import type { Wire } from "./support/wire.js";
import { couponKernel, sketchesWorkload } from "./fixtures/sketches-workload.js";

const N = 100_000;
const SEED = 0x2545f491;
const WORKLOAD = resolve(repoRoot, "tests/browser/fixtures/sketches-workload.ts");

let session: BrowserSession;
let bundle: BrowserBundle;
let nodeResult: Wire;

beforeAll(async () => {
  [session, bundle] = await Promise.all([
    BrowserSession.launch(inject("chromiumPath")),
    bundleWorkload(WORKLOAD),
  ]);
  nodeResult = toWire(sketchesWorkload(N, SEED));
});

afterAll(async () => {
  await session?.close();
});

describe("bundle", () => {
  it("contains the sketches sources and no Node code", () => {
    expect(bundle.inputs).toContain("packages/sketches/src/index.ts");
    expect(bundle.inputs).toContain("packages/sketches/src/hash/murmur3-wasm.generated.ts");
    expect(bundle.inputs.filter((p) => p.includes("node_modules") || p.includes("/dist/"))).toEqual([]);
    expect(bundle.code).not.toMatch(/\bprocess\.|\bBuffer\b|node:/);
  });
});

describe.each([
  { name: "default page (WebAssembly kernel)", csp: undefined, kernel: "wasm" },
  // CSP without 'wasm-unsafe-eval' forbids compiling WebAssembly: the JavaScript hash must take over unnoticed.
  { name: "CSP page without wasm-unsafe-eval (JavaScript fallback)", csp: "script-src 'self'", kernel: "js" },
])("@sightglass/sketches in chromium: $name", ({ csp, kernel }) => {
  let page: LoadedBundle;
  let browserResult: Wire;

  beforeAll(async () => {
    page = await session.load(bundle, csp === undefined ? {} : { csp });
    browserResult = await page.run("sketchesWorkload", N, SEED);
  });

  it(`uses the ${kernel} coupon kernel there (and wasm in Node)`, async () => {
    expect(await page.run("couponKernel")).toBe(kernel);
    expect(couponKernel()).toBe("wasm");
  });

  it("serializes byte-identical KLL, HLL and frequent-items images", () => {
    expectSameImages(browserResult, nodeResult);
  });

  it("answers every query identically (quantiles, ranks, estimates, bounds, frequent items)", () => {
    const { couponKernel: _b, ...browser } = browserResult as Record<string, Wire>;
    const { couponKernel: _n, ...node } = nodeResult as Record<string, Wire>;
    expect(browser).toEqual(node);
  });

  it("logs no page errors", () => {
    expect(page.errors).toEqual([]);
  });
});

it("the workload is substantive", () => {
  const result = sketchesWorkload(N, SEED);
  expect(result.kll.n).toBeGreaterThan(0.99 * N); // NaNs are skipped
  expect(result.kll.estimationMode).toBe(true);
  expect(result.hll.hll8.estimate).toBeGreaterThan(1000);
  expect(result.hll.list.mode).not.toBe(result.hll.hll8.mode);
  expect(result.frequentItems.noFalsePositives.map((row) => row.item)).toContain("日本語");
  let weight = 0;
  for (let i = 0; i < N; i++) weight += 1 + (i % 3);
  expect(result.frequentItems.totalWeight).toBe(weight);
});
