// Segmented profiles against pip whylogs: the same frame segmented the same way in both languages must give
// the same segments (keys spelled as Python's str()), the same partition id and metadata, and files each side
// reads from the other with the writer's own summary.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DatasetProfileView, SegmentedProfile } from "@sightglass/profile";
import { ok, runOracle } from "./oracle-client.js";
import { columnValues, loadExportedFrame, untag } from "./whylogs-frame.js";

const FRAME = { kind: "mixed", rows: 3000, seed: 7 } as const;
const PARTITIONS: string[][] = [["bool"], ["bool", "string"]];

interface PySegment {
  path: string;
  metadata: Record<string, string>;
  datasetTimestamp: number;
  summary: Record<string, Record<string, unknown>>;
}

interface Run {
  partitionId: string;
  py: PySegment[];
  ts: DatasetProfileView[];
  /** whylogs' reading of each TS segment file, in `ts` order. */
  pyReadsTs: PySegment[];
}

let dir = "";

/**
 * A summary with tagged values decoded, frequent items in value order (C++ leaves ties in hash order) and -0
 * as 0: a sketch holding both zeros may answer either, as C++'s unstable sort leaves them in any order.
 */
function normalized(summary: unknown): unknown {
  const out = untag(summary) as Record<string, Record<string, unknown>>;
  for (const column of Object.values(out)) {
    for (const [k, v] of Object.entries(column)) if (Object.is(v, -0)) column[k] = 0;
    const items = column["frequent_items/frequent_strings"];
    if (Array.isArray(items)) {
      column["frequent_items/frequent_strings"] = [...(items as { value: string }[])].sort((a, b) =>
        a.value < b.value ? -1 : a.value > b.value ? 1 : 0,
      );
    }
  }
  return out;
}
const runs = new Map<string, Run>();

/** Segment key as "k=v|k=v", from view tags or from whylogs metadata (`whylogs.tag.<k>`). */
function keyOfView(v: DatasetProfileView): string {
  return v.segment!.map((t) => `${t.key}=${t.value}`).join("|");
}
function keyOfMetadata(m: Record<string, string>, columns: string[]): string {
  return columns.map((c) => `${c}=${m[`whylogs.tag.${c}`]}`).join("|");
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "sightglass-segments-"));
  const framePath = join(dir, "frame.json");
  PARTITIONS.forEach((_, i) => mkdirSync(join(dir, `p${i}`)));
  const first = await runOracle(
    [
      { op: "export_frame", frame: FRAME, path: framePath },
      ...PARTITIONS.map((columns, i) => ({
        op: "profile_segmented",
        frame: FRAME,
        columns,
        dir: join(dir, `p${i}`),
      })),
    ],
    "whylogs_oracle.py",
  );
  ok(first[0], "export_frame");
  const frame = loadExportedFrame(framePath);
  const columns: Record<string, ArrayLike<unknown>> = {};
  for (const c of frame.columns) columns[c.name] = columnValues(c, 0, frame.rows);

  const reads: { op: string; path: string }[] = [];
  PARTITIONS.forEach((partition, i) => {
    const py = ok<{ partitionId: string; segments: PySegment[] }>(
      first[i + 1],
      `profile_segmented ${partition}`,
    );
    const seg = new SegmentedProfile({
      schema: { columns: frame.schema },
      segmentation: { columns: partition },
      datasetTimestamp: py.segments[0]!.datasetTimestamp,
    });
    seg.track(columns);
    const ts = seg.views();
    ts.forEach((v, j) => {
      const path = join(dir, `ts-p${i}-${j}.bin`);
      writeFileSync(path, v.serialize());
      reads.push({ op: "read_file", path });
    });
    runs.set(partition.join(","), { partitionId: py.partitionId, py: py.segments, ts, pyReadsTs: [] });
  });
  const second = await runOracle(reads, "whylogs_oracle.py");
  let k = 0;
  for (const partition of PARTITIONS) {
    const r = runs.get(partition.join(","))!;
    r.pyReadsTs = r.ts.map(() => ok<PySegment>(second[k++], "read_file"));
  }
});

afterAll(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

describe.each(PARTITIONS)("segmented on %s", (...partition: string[]) => {
  const run = () => runs.get(partition.join(","))!;

  it("has whylogs' partition id and the same segment keys", () => {
    const r = run();
    const ts = new SegmentedProfile({ segmentation: { columns: partition } });
    expect(ts.partitionId).toBe(r.partitionId);
    const pyKeys = r.py.map((s) => keyOfMetadata(s.metadata, partition)).sort();
    const tsKeys = r.ts.map(keyOfView).sort();
    expect(tsKeys).toEqual(pyKeys);
    expect(tsKeys.length).toBeGreaterThan(1);
  });

  it("writes whylogs' segment metadata", () => {
    const r = run();
    for (const py of r.py) {
      const key = keyOfMetadata(py.metadata, partition);
      const ts = r.ts.find((v) => keyOfView(v) === key)!;
      for (const name of ["segp_id", "segp_name", "segp_col", "segp_cols"]) {
        expect(ts.metadata[name], `${key} ${name}`).toBe(py.metadata[name]);
      }
    }
  });

  it("whylogs-written segment files read here with their tags, and our files read in whylogs", () => {
    const r = run();
    for (const py of r.py) {
      const view = DatasetProfileView.deserialize(new Uint8Array(readFileSync(py.path)));
      expect(keyOfView(view)).toBe(keyOfMetadata(py.metadata, partition));
      expect(normalized(view.toSummary())).toEqual(normalized(py.summary));
    }
    r.ts.forEach((view, j) => {
      const read = r.pyReadsTs[j]!;
      expect(keyOfMetadata(read.metadata, partition)).toBe(keyOfView(view));
      expect(normalized(read.summary)).toEqual(normalized(view.toSummary()));
    });
  });

  it("each segment has the same counts in both languages", () => {
    const r = run();
    for (const py of r.py) {
      const key = keyOfMetadata(py.metadata, partition);
      const ts = r.ts.find((v) => keyOfView(v) === key)!.toSummary();
      const pySummary = untag(py.summary) as Record<string, Record<string, unknown>>;
      for (const [column, s] of Object.entries(pySummary)) {
        for (const k of ["counts/n", "counts/null", "types/integral", "types/fractional", "types/string"]) {
          expect(ts[column]?.[k], `${key} ${column} ${k}`).toEqual(s[k]);
        }
      }
    }
  });
});
