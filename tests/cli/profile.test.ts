// `sightglass profile` / `show` / `merge` end to end on generated files with the quirks real files have.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliBin, sightglass, summaryOf, tempDir } from "./support.js";

let dir: string;
let cleanup: () => void;
beforeAll(() => {
  ({ dir, cleanup } = tempDir());
});
afterAll(() => cleanup());

function write(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe("help and usage", () => {
  it.each(["profile", "show", "merge", "drift", "validate", "upload"])(
    "%s --help shows examples",
    async (cmd) => {
      const r = await sightglass([cmd, "--help"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("Examples:");
      expect(r.stdout).toContain(`sightglass ${cmd}`);
    },
  );

  it("the top-level help documents the exit codes", async () => {
    const r = await sightglass(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Exit codes:[\s\S]*3 {2}input error/);
  });

  it("an unknown option is a usage error (exit 2) that names it", async () => {
    const r = await sightglass(["profile", "x.csv", "--frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--frobnicate");
  });

  it("a missing file is an input error (exit 3) that names it", async () => {
    const r = await sightglass(["profile", join(dir, "nope.csv"), "-o", join(dir, "nope.bin")]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("nope.csv");
    expect(r.stderr).toContain("no such file");
    expect(existsSync(join(dir, "nope.bin"))).toBe(false);
  });

  it("is runnable as npx sightglass from the repository root", async () => {
    const { spawnSync } = await import("node:child_process");
    const r = spawnSync("npx", ["--no-install", "sightglass", "--version"], { encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe("0.1.0");
  });
});

describe("CSV quirks", () => {
  it("BOM, CRLF, quoted delimiters, quotes and newlines, pandas missing values", async () => {
    const csv =
      "\uFEFFid,name,score,flag\r\n" +
      '1,"Smith, Jane",1.5,True\r\n' +
      '2,"say ""hi""",NA,False\r\n' +
      '3,"two\r\nlines",2.5,\r\n' +
      "4,plain,3.0,True\r\n";
    const path = write("quirks.csv", csv);
    const out = join(dir, "quirks.bin");
    const r = await sightglass(["profile", path, "-o", out]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Profiled 4 rows × 4 columns");
    const s = await summaryOf(out);
    expect(Object.keys(s).sort()).toEqual(["flag", "id", "name", "score"]); // the BOM is not part of "id"
    expect(s.id!["counts/n"]).toBe(4);
    expect(s.id!["types/integral"]).toBe(4);
    expect(s.score!["counts/null"]).toBe(1);
    expect(s.score!["types/fractional"]).toBe(3); // 3.0 stays a float, as in a pandas float64 column
    expect(s.score!["distribution/mean"]).toBeCloseTo((1.5 + 2.5 + 3.0) / 3, 12);
    expect(s.flag!["counts/null"]).toBe(1);
    expect(s.flag!["types/boolean"]).toBe(3);
    const names = (s.name!["frequent_items/frequent_strings"] as { value: string }[])
      .map((i) => i.value)
      .sort();
    expect(names).toEqual(["Smith, Jane", 'say "hi"', "plain", "two\r\nlines"].sort());
  });

  it("ragged rows are skipped and reported with their physical line; --strict stops at the first", async () => {
    const csv = 'a,b,c\n1,2,3\n4,5\n"multi\nline",7,8\n9,10,11,12\n13,14,15\n';
    const path = write("ragged.csv", csv);
    const r = await sightglass(["profile", path, "-o", join(dir, "ragged.bin"), "--json"]);
    expect(r.code).toBe(0);
    const run = JSON.parse(r.stdout) as {
      rows: number;
      malformed: number;
      malformedSamples: { line: number; reason: string }[];
    };
    expect(run.rows).toBe(3);
    expect(run.malformed).toBe(2);
    expect(run.malformedSamples.map((m) => m.line)).toEqual([3, 6]);
    expect(r.stderr).toMatch(/ragged\.csv:3: .*expected 3 fields, found 2/);
    expect(r.stderr).toMatch(/ragged\.csv:6: .*expected 3 fields, found 4/);

    const strict = await sightglass(["profile", path, "-o", join(dir, "strict.bin"), "--strict"]);
    expect(strict.code).toBe(3);
    expect(strict.stderr).toMatch(/ragged\.csv:3:/);
    expect(existsSync(join(dir, "strict.bin"))).toBe(false);
  });

  it("an empty file is an input error; a header-only file gives empty columns", async () => {
    const empty = await sightglass(["profile", write("empty.csv", ""), "-o", join(dir, "empty.bin")]);
    expect(empty.code).toBe(3);
    expect(empty.stderr).toMatch(/empty\.csv is empty/);

    const header = write("header.csv", "x,y,z\n");
    const r = await sightglass(["profile", header, "-o", join(dir, "header.bin")]);
    expect(r.code).toBe(0);
    const s = await summaryOf(join(dir, "header.bin"));
    expect(Object.keys(s).sort()).toEqual(["x", "y", "z"]);
    expect(s.x!["counts/n"]).toBe(0);
  });

  it("a header with an unclosed quote and an unusable --delimiter say what to check", async () => {
    const path = write("badheader.csv", 'a,"b\n1,2\n');
    const r = await sightglass(["profile", path, "-o", join(dir, "badheader.bin")]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/badheader\.csv:1: .*never closed; check the quoting of the header row/);
    const d = await sightglass(["profile", path, "--delimiter", '"']);
    expect(d.code).toBe(2);
    expect(d.stderr).toContain("--delimiter must be one ASCII character");
    const tab = write("tabbed.txt", "a\tb\n1\t2\n");
    expect(Object.keys(await summaryOf(tab, ["--delimiter", "tab"])).sort()).toEqual(["a", "b"]);
  });

  it("sniffs tab, semicolon and pipe delimiters; --delimiter overrides", async () => {
    for (const [name, d] of [
      ["t.tsv", "\t"],
      ["semi.csv", ";"],
      ["pipe.txt", "|"],
    ] as const) {
      const path = write(name, [`a${d}b`, `1${d}x`, `2${d}y`, `3${d}"q${d}q"`].join("\n") + "\n");
      const s = await summaryOf(path);
      expect(Object.keys(s).sort(), name).toEqual(["a", "b"]);
      expect(s.a!["counts/n"], name).toBe(3);
    }
    const forced = write("forced.csv", "a;b\n1;2\n");
    const s = await summaryOf(forced, ["--delimiter", ","]);
    expect(Object.keys(s)).toEqual(["a;b"]);
  });

  it("reads gzip-compressed CSV and standard input", async () => {
    const rows = [
      "v,w",
      ...Array.from({ length: 1000 }, (_, i) => `${i},${i % 7 === 0 ? "" : `k${i % 5}`}`),
    ].join("\n");
    const gz = write("data.csv.gz", gzipSync(rows));
    const a = await summaryOf(gz);
    expect(a.v!["counts/n"]).toBe(1000);
    expect(a.w!["counts/null"]).toBe(143);
    const out = join(dir, "stdin.bin");
    const r = await sightglass(["profile", "-", "-o", out], { stdin: rows });
    expect(r.code).toBe(0);
    expect(await summaryOf(out)).toEqual(a);
  });
});

describe("JSON Lines", () => {
  it("reports a record without a usable timestamp at its own line", async () => {
    const path = write(
      "t.jsonl",
      ['{"ts":"2024-01-01 00:00","v":1}', "", '{"ts":"junk","v":2}', '{"v":3}'].join("\n"),
    );
    const r = await sightglass(["profile", path, "--timestamp-column", "ts", "-o", join(dir, "t-jsonl")]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/t\.jsonl:3: .*"junk"/);
    expect(r.stderr).toMatch(/t\.jsonl:4: no value/);
  });

  it("gzip advice holds with --format too", async () => {
    const path = write("d.parquet.gz", gzipSync("PAR1"));
    const r = await sightglass(["profile", path, "--format", "parquet"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("gzip-compressed parquet files are not supported; decompress it first");
  });

  it("flattens nested objects, keeps arrays as objects, reports invalid lines", async () => {
    const lines = [
      JSON.stringify({ id: 1, user: { age: 30, geo: { country: "NO" } }, tags: ["a"], score: 0.5 }),
      JSON.stringify({ id: 2, user: { age: null, geo: { country: "SE" } }, tags: [], score: 1 }),
      "{not json",
      "[1,2,3]",
      "",
      JSON.stringify({ id: 3, user: { age: 41 }, score: 2.25 }),
    ].join("\r\n");
    const path = write("events.jsonl", lines);
    const r = await sightglass(["profile", path, "-o", join(dir, "events.bin"), "--json"]);
    expect(r.code).toBe(0);
    const run = JSON.parse(r.stdout) as {
      rows: number;
      malformed: number;
      malformedSamples: { line: number }[];
    };
    expect(run.rows).toBe(3);
    expect(run.malformed).toBe(2);
    expect(run.malformedSamples.map((m) => m.line)).toEqual([3, 4]);
    const s = await summaryOf(join(dir, "events.bin"));
    expect(Object.keys(s).sort()).toEqual(["id", "score", "tags", "user.age", "user.geo.country"]);
    expect(s["user.age"]!["counts/n"]).toBe(3);
    expect(s["user.age"]!["counts/null"]).toBe(1);
    expect(s["user.geo.country"]!["counts/n"]).toBe(2); // absent from the third record: not counted
    expect(s.tags!["types/object"]).toBe(2);
    expect(s.score!["distribution/mean"]).toBeCloseTo((0.5 + 1 + 2.25) / 3, 12);
  });
});

describe("partitioned output", () => {
  const rows = [
    "ts,country,amount",
    ...Array.from({ length: 600 }, (_, i) => {
      const t = new Date(Date.UTC(2024, 0, 1, 0, 0, 0) + i * 6 * 60_000); // every 6 minutes: 10 per hour
      return `${t.toISOString().replace("T", " ").slice(0, 19)},${["NO", "SE", "DK"][i % 3]},${i}`;
    }),
    "not-a-time,NO,5",
  ].join("\n");

  it("--timestamp-column --bucket hour writes one profile per hour, with a manifest", async () => {
    const path = write("timed.csv", rows);
    const out = join(dir, "hourly");
    const r = await sightglass(["profile", path, "--timestamp-column", "ts", "--bucket", "hour", "-o", out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/skipped 1 record without a usable timestamp/);
    expect(r.stderr).toMatch(/timed\.csv:602: .*not-a-time/);
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as {
      profiles: { file: string; bucketStart: string; rows: number }[];
    };
    expect(manifest.profiles).toHaveLength(60);
    expect(manifest.profiles[0]!.bucketStart).toBe("2024-01-01T00:00:00.000Z");
    expect(manifest.profiles.every((p) => p.rows === 10)).toBe(true);
    expect(readdirSync(out).filter((f) => f.endsWith(".bin"))).toHaveLength(60);
    // Merged back, the buckets are the whole file.
    const merged = join(dir, "hourly-merged.bin");
    expect((await sightglass(["merge", out, "-o", merged])).code).toBe(0);
    const s = await summaryOf(merged);
    expect(s.amount!["counts/n"]).toBe(600);
    expect(s.amount!["distribution/mean"]).toBeCloseTo(299.5, 9);
  });

  it("names the columns when --timestamp-column or --segment-by is not one of them", async () => {
    const path = write("cols.csv", "a,b\n1,x\n");
    const ts = await sightglass(["profile", path, "--timestamp-column", "when", "-o", join(dir, "cols-ts")]);
    expect(ts.code).toBe(2);
    expect(ts.stderr).toContain('--timestamp-column "when" is not a column of the input; it has a, b');
    const seg = await sightglass(["profile", path, "--segment-by", "nope", "-o", join(dir, "cols-seg")]);
    expect(seg.code).toBe(2);
    expect(seg.stderr).toContain('--segment-by "nope" is not a column of');
  });

  it("--bucket week starts on Monday; --segment-by writes one profile per segment", async () => {
    const path = write("timed2.csv", rows);
    const out = join(dir, "weekly");
    const r = await sightglass([
      "profile",
      path,
      "--timestamp-column",
      "ts",
      "--bucket",
      "week",
      "--segment-by",
      "country",
      "-o",
      out,
    ]);
    expect(r.code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as {
      profiles: { bucketStart: string; segment: { key: string; value: string }[]; rows: number }[];
    };
    // 2024-01-01 is a Monday; all 600 rows fall in its week.
    expect(new Set(manifest.profiles.map((p) => p.bucketStart))).toEqual(
      new Set(["2024-01-01T00:00:00.000Z"]),
    );
    expect(manifest.profiles.map((p) => p.segment[0]!.value).sort()).toEqual(["DK", "NO", "SE"]);
    expect(manifest.profiles.map((p) => p.rows)).toEqual([200, 200, 200]);
    const seg = JSON.parse((await sightglass(["show", out, "--json", "--segments"])).stdout) as {
      segment: { value: string }[];
      summary: Record<string, Record<string, unknown>>;
    }[];
    expect(seg).toHaveLength(3);
    for (const s of seg) expect(s.summary.country!["cardinality/est"]).toBeCloseTo(1, 6);
  });
});

describe("parallel profiling", () => {
  it("worker threads give the same exact counters as one thread; the same thread count the same profile", async () => {
    const n = 60_000;
    const lines = ["i,f,s,b"];
    for (let i = 0; i < n; i++) {
      lines.push(
        `${i},${((i * 7919) % 10007) / 100},${i % 13 === 0 ? "" : `"s,${i % 97}"`},${i % 3 === 0 ? "True" : "False"}`,
      );
    }
    const path = write("par.csv", lines.join("\n"));
    const one = await summaryOf(path, ["--threads", "1"]);
    const two = await summaryOf(path, ["--threads", "2", "--chunk-kib", "64"]);
    const again = await summaryOf(path, ["--threads", "2", "--chunk-kib", "64"]);
    expect(again).toEqual(two);
    for (const col of ["i", "f", "s", "b"]) {
      for (const key of Object.keys(one[col]!)) {
        if (key.startsWith("counts/") || key.startsWith("types/") || key.startsWith("ints/")) {
          expect(two[col]![key], `${col} ${key}`).toEqual(one[col]![key]);
        }
      }
    }
    // Cardinality: a union of the workers' HLL sketches holds the same registers as one sketch but estimates
    // with the composite estimator instead of HIP; both are within 3 standard errors (lgK 12: 1.6%) of exact.
    const exact = {
      i: n,
      f: new Set(Array.from({ length: n }, (_, i) => (i * 7919) % 10007)).size,
      s: 97,
      b: 2,
    };
    for (const [col, distinct] of Object.entries(exact)) {
      for (const s of [one, two]) {
        expect(Math.abs((s[col]!["cardinality/est"] as number) - distinct), col).toBeLessThanOrEqual(
          3 * 0.0163 * distinct + 1e-9,
        );
      }
    }
    expect(two.f!["distribution/mean"] as number).toBeCloseTo(one.f!["distribution/mean"] as number, 9);
    expect(two.s!["frequent_items/frequent_strings"]).toEqual(one.s!["frequent_items/frequent_strings"]);
  });
});

describe("a reader that stops early", () => {
  it("ends the run quietly instead of crashing on a closed pipe", async () => {
    const child = spawn(process.execPath, [cliBin, "performance", "--help"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const stderr: Buffer[] = [];
    child.stderr.on("data", (c: Buffer) => stderr.push(c));
    // Close our end after the first chunk, as `| head -1` does.
    child.stdout.once("data", () => child.stdout.destroy());
    const code = await new Promise<number | null>((done) => child.on("close", done));
    expect(Buffer.concat(stderr).toString("utf8")).not.toMatch(/EPIPE|Unhandled/);
    expect(code).toBe(0);
  });
});
