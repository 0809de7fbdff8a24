// @sightglass/profile in a real browser: a profiling workload over mixed row objects and a Float64Array column
// is bundled for platform "browser" (no Node built-ins), run in headless chromium, and its summary and
// serialized profile must equal — byte for byte — those of the same workload run here in Node. The clock is
// frozen at the same instant on both sides so the header's creation timestamp matches as well.
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { resolve } from "node:path";
import { BrowserSession } from "./support/browser.js";
import type { LoadedBundle } from "./support/browser.js";
import { bundleWorkload, repoRoot } from "./support/bundle.js";
import type { BrowserBundle } from "./support/bundle.js";
import { expectSameImages } from "./support/compare.js";
import { toWire } from "./support/wire.js";
import type { Wire } from "./support/wire.js";
import { CREATION_TIME, profileWorkload, summaryOf } from "./fixtures/profile-workload.js";

const N = 20_000;
const SEED = 0x3c6ef372;
const WORKLOAD = resolve(repoRoot, "tests/browser/fixtures/profile-workload.ts");

let session: BrowserSession;
let bundle: BrowserBundle;
let page: LoadedBundle;
let nodeResult: Wire;
let browserResult: Wire;

/** Runs `fn` with Date frozen at {@link CREATION_TIME}, as the browser page is. */
function atCreationTime<T>(fn: () => T): T {
  vi.useFakeTimers({ toFake: ["Date"], now: CREATION_TIME });
  try {
    return fn();
  } finally {
    vi.useRealTimers();
  }
}

function bytesOf(result: Wire): string {
  const bytes = (result as { bytes: { $bytes: string } }).bytes.$bytes;
  expect(typeof bytes).toBe("string");
  return bytes;
}

beforeAll(async () => {
  [session, bundle] = await Promise.all([
    BrowserSession.launch(inject("chromiumPath")),
    bundleWorkload(WORKLOAD),
  ]);
  nodeResult = atCreationTime(() => toWire(profileWorkload(N, SEED)));
  page = await session.load(bundle, { fixedTime: CREATION_TIME });
  browserResult = await page.run("profileWorkload", N, SEED);
});

afterAll(async () => {
  await session?.close();
});

describe("bundle", () => {
  it("contains the profile and sketches sources and not the Node entry", () => {
    expect(bundle.inputs).toContain("packages/profile/src/index.ts");
    expect(bundle.inputs).toContain("packages/sketches/src/index.ts");
    expect(bundle.inputs.filter((p) => p.startsWith("packages/profile/src/node/"))).toEqual([]);
    // Workspace packages come from their sources; only third-party code (@bufbuild/protobuf) from node_modules.
    expect(bundle.inputs.filter((p) => p.startsWith("packages/") && p.includes("/dist/"))).toEqual([]);
    expect(
      bundle.inputs.filter(
        (p) => p.includes("node_modules/") && !p.includes("node_modules/@bufbuild/protobuf/"),
      ),
    ).toEqual([]);
  });
});

describe("@sightglass/profile in chromium", () => {
  it("is deterministic in Node (a precondition of the comparison)", () => {
    expect(atCreationTime(() => toWire(profileWorkload(N, SEED)))).toEqual(nodeResult);
  });

  it("produces the same per-column summary", () => {
    const browser = browserResult as { summary: Wire; decodedSummary: Wire };
    const node = nodeResult as { summary: Wire; decodedSummary: Wire };
    expect(Object.keys(node.summary as object).length).toBeGreaterThanOrEqual(8);
    expect(browser.summary).toEqual(node.summary);
    expect(browser.decodedSummary).toEqual(node.decodedSummary);
  });

  it("serializes byte-identical profiles (also after a deserialize/serialize round trip)", () => {
    expectSameImages(browserResult, nodeResult);
    expect(browserResult).toEqual(nodeResult);
  });

  it("tracks the same performance metrics (they are part of the bytes compared above)", () => {
    const node = nodeResult as { performance: { classification: { confusion: number[] } } };
    const browser = browserResult as typeof node;
    expect(node.performance.classification.confusion.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(browser.performance).toEqual(node.performance);
  });

  it("reads profiles written by the other runtime", async () => {
    const nodeBytes = bytesOf(nodeResult);
    const browserBytes = bytesOf(browserResult);
    const node = nodeResult as { decodedSummary: Wire };
    expect(await page.run("summaryOf", nodeBytes)).toEqual(node.decodedSummary);
    expect(toWire(summaryOf(browserBytes))).toEqual(node.decodedSummary);
  });

  it("logs no page errors", () => {
    expect(page.errors).toEqual([]);
  });
});
