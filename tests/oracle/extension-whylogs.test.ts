// Sightglass carries what whylogs cannot represent (dataset-level model performance, future Sightglass
// metrics) in an extension block after the v1 chunk area. Python whylogs must still read such files, and see
// exactly the whylogs part of them.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DatasetProfile, DatasetProfileView, EXTENSION_MAGIC } from "@sightglass/profile";
import { requireShared, sharedDir } from "../../packages/sketches/test/support/shared.js";
import { ok, runOracle } from "./oracle-client.js";
import { untag } from "./whylogs-frame.js";

const dir = mkdtempSync(join(tmpdir(), "sightglass-extension-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function hasExtension(bytes: Uint8Array): boolean {
  const magic = EXTENSION_MAGIC;
  outer: for (let i = 0; i + magic.length <= bytes.length; i++) {
    for (let j = 0; j < magic.length; j++) if (bytes[i + j] !== magic[j]) continue outer;
    return true;
  }
  return false;
}

describe("files with a Sightglass extension block", () => {
  // The model performance comes from a whylogs v0 file with a classification score matrix.
  if (!requireShared()) return;
  const v0File = join(sharedDir!, "vectors", "whylogs", "v0_from_v1_classification.bin");

  it("load in whylogs, which sees the profile without the extension", async () => {
    const v0 = DatasetProfileView.deserialize(new Uint8Array(readFileSync(v0File)));
    expect(v0.modelPerformance?.scoreMatrix).toBeDefined();
    const p = new DatasetProfile({ datasetTimestamp: 1_700_000_000_000 });
    p.track({ score: new Float64Array([0.1, 0.7, 0.9]), label: ["a", "b", "a"] });
    const view = p.view().merge(v0);
    const bytes = view.serialize();
    expect(hasExtension(bytes)).toBe(true);
    const path = join(dir, "with-extension.bin");
    writeFileSync(path, bytes);

    const [answer] = await runOracle([{ op: "read_file", path }], "whylogs_oracle.py");
    const read = ok<{ summary: Record<string, Record<string, unknown>> }>(answer, "whylogs reads the file");
    const summary = untag(read.summary) as Record<string, Record<string, unknown>>;
    expect(Object.keys(summary).sort()).toEqual(view.columnNames());
    expect(summary.score?.["counts/n"]).toBe(3);
    expect(summary.label?.["counts/n"]).toBe(3);
    // …and Sightglass reads its extension back.
    const back = DatasetProfileView.deserialize(bytes);
    expect(back.modelPerformance).toEqual(view.modelPerformance);
  });

  it("with Sightglass performance metrics load in whylogs, and the metrics come back", async () => {
    const p = new DatasetProfile({
      datasetTimestamp: 1_700_000_000_000,
      performance: { task: "classification", prediction: "pred", target: "label", scores: "proba" },
    });
    p.track({
      pred: [1, 0, 1, 0, 1],
      label: [1, 0, 0, null, 1],
      proba: new Float64Array([0.9, 0.2, 0.6, 0.4, 0.8]),
    });
    const view = p.view();
    const bytes = view.serialize();
    expect(hasExtension(bytes)).toBe(true);
    const path = join(dir, "with-performance.bin");
    writeFileSync(path, bytes);

    const [answer] = await runOracle([{ op: "read_file", path }], "whylogs_oracle.py");
    const read = ok<{ summary: Record<string, Record<string, unknown>> }>(answer, "whylogs reads the file");
    const summary = untag(read.summary) as Record<string, Record<string, unknown>>;
    expect(Object.keys(summary).sort()).toEqual(["label", "pred", "proba"]);
    expect(summary.label?.["counts/null"]).toBe(1);
    const back = DatasetProfileView.deserialize(bytes);
    expect(back.performance).toEqual(view.performance);
    expect(back.performance?.classification?.unlabeled).toEqual([1, 0]);
  });
});
