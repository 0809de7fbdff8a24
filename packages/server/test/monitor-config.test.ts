// Monitor documents: validation with every default filled, one precise issue per problem (JSON pointer + what is
// allowed), YAML bodies, durations, project settings and the default monitor set.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { ApiError } from "../src/errors.js";
import {
  MONITOR_JSON_SCHEMA,
  defaultMonitorSettings,
  defaultMonitors,
  monitorConfigToDocument,
  parseDuration,
  parseMonitorBody,
  parseMonitorConfig,
  parseMonitorSettings,
} from "../src/monitors/config.js";
import type { ConfigIssue, MonitorConfig, MonitorSettings } from "../src/monitors/types.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The ApiError a call throws (fails the test when it returns). */
function apiError(f: () => unknown): ApiError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    return e as ApiError;
  }
  throw new Error("expected an ApiError");
}

function issuesOf(doc: unknown): ConfigIssue[] {
  const error = apiError(() => parseMonitorConfig(doc));
  expect(error.code).toBe("bad-request");
  return error.details!["issues"] as ConfigIssue[];
}

/** The single issue a document has, asserting there is exactly one at `path`. */
function issueAt(doc: unknown, path: string): string {
  const issues = issuesOf(doc);
  expect(issues.map((i) => i.path)).toEqual([path]);
  return issues[0]!.message;
}

const base = { name: "m", analyzer: { type: "drift" } };
const withAnalyzer = (analyzer: Record<string, unknown>, rest: Record<string, unknown> = {}) => ({
  name: "m",
  analyzer,
  ...rest,
});

describe("parseMonitorConfig: defaults", () => {
  it("fills every default of a minimal drift monitor", () => {
    expect(parseMonitorConfig(base)).toEqual({
      name: "m",
      description: "",
      enabled: true,
      analyzer: { type: "drift", method: "auto", threshold: null, minCount: 1 },
      targets: { include: ["group:inputs"], exclude: [] },
      segments: [""],
      baseline: { type: "trailing", buckets: 7 },
      severity: "warning",
      notify: { channels: [], mode: "immediate" },
    } satisfies MonitorConfig);
  });

  it.each<[Record<string, unknown>, Record<string, unknown>]>([
    [
      { type: "drift", method: "psi", threshold: 0.2, minCount: 50 },
      { type: "drift", method: "psi", threshold: 0.2, minCount: 50 },
    ],
    [
      { type: "drift", method: "ks" },
      { type: "drift", method: "ks", threshold: null, minCount: 1 },
    ],
    [
      { type: "fixed", metric: "null_ratio", upper: 0.1 },
      { type: "fixed", metric: "null_ratio", lower: null, upper: 0.1 },
    ],
    [
      { type: "fixed", metric: "distribution/q_90", lower: 1, upper: 1 },
      { type: "fixed", metric: "distribution/q_90", lower: 1, upper: 1 },
    ],
    [
      { type: "stddev", metric: "mean" },
      { type: "stddev", metric: "mean", factor: 3, minBuckets: 3, direction: "both" },
    ],
    [
      { type: "percent_change", metric: "counts/n", percent: 20, direction: "down" },
      { type: "percent_change", metric: "counts/n", percent: 20, direction: "down" },
    ],
    [{ type: "missing_data" }, { type: "missing_data", minRows: 1 }],
    [
      { type: "schema_change", added: false },
      { type: "schema_change", added: false, removed: true, typeChanged: true },
    ],
    [
      { type: "data_quality" },
      {
        type: "data_quality",
        checks: ["missing_values", "type_mismatch"],
        missingIncrease: 0.05,
        significance: 0.001,
      },
    ],
    [
      { type: "performance_drop" },
      { type: "performance_drop", metric: "accuracy", maxDrop: 0.05, minLabeled: 30, confidence: 0.95 },
    ],
    [
      { type: "estimated_performance_drop", metric: "roc_auc" },
      { type: "estimated_performance_drop", metric: "roc_auc", maxDrop: 0.05, confidence: 0.95 },
    ],
  ])("analyzer %j", (input, expected) => {
    expect(parseMonitorConfig(withAnalyzer(input)).analyzer).toEqual(expected);
  });

  it("accepts a full document and keeps it unchanged", () => {
    const doc = {
      name: "Income drift",
      description: "PSI of income against the launch reference",
      enabled: false,
      analyzer: { type: "drift", method: "psi", threshold: 0.25, minCount: 100 },
      targets: { include: ["income", "income_*"], exclude: ["income_raw"] },
      segments: ["", "region=*", "model=v2&region=eu"],
      baseline: { type: "reference", name: "launch" },
      severity: "critical",
      notify: { channels: ["ch_1", "ch_2"], mode: "digest-hourly" },
    };
    expect(parseMonitorConfig(doc)).toEqual(doc);
  });

  it("trims the name and accepts 100 characters, not 101", () => {
    expect(parseMonitorConfig({ ...base, name: "  Drift  " }).name).toBe("Drift");
    expect(parseMonitorConfig({ ...base, name: "é".repeat(100) }).name).toHaveLength(100);
    expect(issueAt({ ...base, name: "x".repeat(101) }, "/name")).toMatch(/1 to 100 characters/);
    expect(issueAt({ ...base, name: "   " }, "/name")).toMatch(/1 to 100 characters/);
    expect(issueAt({ ...base, name: "a\nb" }, "/name")).toMatch(/control characters/);
  });

  it("takes targets shorthands: a string or an array is include", () => {
    expect(parseMonitorConfig({ ...base, targets: "income" }).targets).toEqual({
      include: ["income"],
      exclude: [],
    });
    expect(parseMonitorConfig({ ...base, targets: ["a", "b_*", "a"] }).targets).toEqual({
      include: ["a", "b_*"],
      exclude: [],
    });
    expect(parseMonitorConfig({ ...base, targets: { exclude: ["id"] } }).targets).toEqual({
      include: ["group:inputs"],
      exclude: ["id"],
    });
  });

  it("keeps the default targets for dataset-level analyzers and dataset metrics", () => {
    const targets = { include: ["income"], exclude: [] };
    for (const analyzer of [
      { type: "missing_data" },
      { type: "schema_change" },
      { type: "performance_drop" },
      { type: "estimated_performance_drop" },
      { type: "fixed", metric: "row_count", lower: 1 },
      { type: "stddev", metric: "column_count" },
    ]) {
      expect(parseMonitorConfig(withAnalyzer(analyzer, { targets })).targets).toEqual({
        include: ["group:inputs"],
        exclude: [],
      });
    }
    expect(
      parseMonitorConfig(withAnalyzer({ type: "fixed", metric: "mean", lower: 0 }, { targets })).targets,
    ).toEqual(targets);
  });

  it("keeps the default baseline for missing_data, but still validates what is given", () => {
    const doc = withAnalyzer({ type: "missing_data" }, { baseline: { type: "reference", name: "x" } });
    expect(parseMonitorConfig(doc).baseline).toEqual({ type: "trailing", buckets: 7 });
    expect(
      issueAt(withAnalyzer({ type: "missing_data" }, { baseline: { type: "weekly" } }), "/baseline/type"),
    ).toMatch(/must be one of "trailing", "reference", "range"/);
  });

  it("canonicalizes segments: aliases, key order, encoding, duplicates", () => {
    const config = parseMonitorConfig({
      ...base,
      segments: ["overall", "all", "region=eu&model=v 2", "model=v%202&region=eu", "tier=%2A", "k=a=b", ""],
    });
    expect(config.segments).toEqual(["", "*", "model=v%202&region=eu", "tier=%2A", "k=a%3Db"]);
    expect(parseMonitorConfig({ ...base, segments: "region=*" }).segments).toEqual(["region=*"]);
  });

  it("reads range baselines from epoch ms or ISO 8601", () => {
    const iso = parseMonitorConfig({
      ...base,
      baseline: { type: "range", start: "2024-05-01", end: "2024-05-08T02:00:00+02:00" },
    });
    expect(iso.baseline).toEqual({ type: "range", start: Date.UTC(2024, 4, 1), end: Date.UTC(2024, 4, 8) });
    const ms = parseMonitorConfig({ ...base, baseline: { type: "range", start: 0, end: 1000 } });
    expect(ms.baseline).toEqual({ type: "range", start: 0, end: 1000 });
  });

  it("accepts a trailing baseline without buckets and defaults them", () => {
    expect(parseMonitorConfig({ ...base, baseline: { type: "trailing" } }).baseline).toEqual({
      type: "trailing",
      buckets: 7,
    });
  });
});

describe("parseMonitorConfig: problems", () => {
  it("rejects a non-object document", () => {
    for (const doc of [null, "x", [], 3]) {
      const error = apiError(() => parseMonitorConfig(doc));
      expect(error.details!["field"]).toBe("");
      expect(error.message).toMatch(/^1 problem in the monitor: the monitor must be a monitor object/);
    }
  });

  it("collects every problem, the first in the message and in details.field", () => {
    const error = apiError(() =>
      parseMonitorConfig({
        analyzer: { type: "drift", method: "ks", threshold: 2 },
        segments: ["region="],
        severity: "high",
        notify: { channels: ["a", "a"] },
      }),
    );
    const issues = error.details!["issues"] as ConfigIssue[];
    expect(issues.map((i) => i.path)).toEqual([
      "/name",
      "/analyzer/threshold",
      "/segments/0",
      "/severity",
      "/notify/channels/1",
    ]);
    expect(error.details!["field"]).toBe("/name");
    expect(error.message).toBe(
      "5 problems in the monitor: /name is required: 1 to 100 characters (and 4 more; see issues)",
    );
    expect(error.statusCode).toBe(400);
  });

  it("names unknown properties, the allowed ones and the closest", () => {
    const message = issueAt(
      withAnalyzer({ type: "drift", method: "psi", treshold: 0.2 }),
      "/analyzer/treshold",
    );
    expect(message).toBe(
      'is not a property of a drift analyzer (did you mean "threshold"?); allowed: "type", "method", "threshold", "minCount"',
    );
    expect(issueAt({ ...base, segmnets: [""] }, "/segmnets")).toMatch(/did you mean "segments"\?/);
    expect(issueAt({ ...base, serverity: "info" }, "/serverity")).toMatch(/did you mean "severity"\?/);
    expect(
      issueAt(withAnalyzer({ type: "fixed", metric: "mean", lwoer: 1, upper: 2 }), "/analyzer/lwoer"),
    ).toMatch(/did you mean "lower"\?/);
    const far = issueAt({ ...base, colour: "red" }, "/colour");
    expect(far).not.toMatch(/did you mean/);
    expect(far).toMatch(/allowed: "name", "description", "enabled", "analyzer"/);
    expect(issueAt({ ...base, targets: { includes: ["a"] } }, "/targets/includes")).toMatch(
      /did you mean "include"\?/,
    );
    expect(issueAt({ ...base, notify: { channel: ["a"] } }, "/notify/channel")).toMatch(
      /did you mean "channels"\?/,
    );
    expect(issueAt({ ...base, baseline: { type: "trailing", bucket: 3 } }, "/baseline/bucket")).toMatch(
      /did you mean "buckets"\?/,
    );
  });

  it("lists at most 100 issues but counts them all", () => {
    const doc: Record<string, unknown> = { ...base };
    for (let i = 0; i < 150; i++) doc[`extra${i}`] = i;
    doc["x".repeat(100_000)] = 1;
    const error = apiError(() => parseMonitorConfig(doc));
    expect((error.details!["issues"] as ConfigIssue[]).length).toBe(100);
    expect(error.message).toMatch(
      /^151 problems in the monitor: .*\(and 150 more; the first 100 are listed\)$/,
    );
  });

  it("escapes property names in JSON pointers", () => {
    expect(issuesOf({ ...base, "a/b~c": 1 })[0]!.path).toBe("/a~1b~0c");
  });

  it("requires the analyzer and a known type, suggesting the closest", () => {
    expect(issueAt({ name: "m" }, "/analyzer")).toMatch(/is required/);
    expect(issueAt({ name: "m", analyzer: "drift" }, "/analyzer")).toMatch(/must be an object with a "type"/);
    expect(issueAt(withAnalyzer({}), "/analyzer/type")).toMatch(/is required: one of "drift", "fixed"/);
    expect(issueAt(withAnalyzer({ type: "drfit" }), "/analyzer/type")).toMatch(/did you mean "drift"\?/);
  });

  it("checks drift thresholds by method", () => {
    const auto = issueAt(withAnalyzer({ type: "drift", threshold: 1.5 }), "/analyzer/threshold");
    expect(auto).toMatch(/or null with method "auto": the p-value below which the tests auto picks/);
    expect(parseMonitorConfig(withAnalyzer({ type: "drift", threshold: 0.01 })).analyzer).toMatchObject({
      method: "auto",
      threshold: 0.01,
    });
    for (const [method, threshold] of [
      ["ks", 0],
      ["ks", 1],
      ["chi_square", 1.5],
      ["hellinger", 1.01],
      ["jensen_shannon", 2],
      ["linf", -0.1],
      ["psi", 0],
      ["wasserstein", -1],
      ["psi", "0.2"],
    ] as const) {
      issueAt(withAnalyzer({ type: "drift", method, threshold }), "/analyzer/threshold");
    }
    expect(
      issueAt(withAnalyzer({ type: "drift", method: "ks", threshold: 1 }), "/analyzer/threshold"),
    ).toMatch(/a number in \(0, 1\) or null.*p-value/);
    expect(
      issueAt(withAnalyzer({ type: "drift", method: "psi", threshold: 0 }), "/analyzer/threshold"),
    ).toMatch(/a number > 0/);
    for (const [method, threshold] of [
      ["ks", 0.01],
      ["hellinger", 1],
      ["psi", 3],
      ["wasserstein", 0.5],
      ["linf", 0.1],
    ] as const) {
      expect(parseMonitorConfig(withAnalyzer({ type: "drift", method, threshold })).analyzer).toMatchObject({
        threshold,
      });
    }
    expect(issueAt(withAnalyzer({ type: "drift", method: "kl" }), "/analyzer/method")).toMatch(
      /must be one of "auto", "ks", "hellinger"/,
    );
    expect(issueAt(withAnalyzer({ type: "drift", minCount: 0 }), "/analyzer/minCount")).toBe(
      "must be an integer ≥ 1, got 0",
    );
  });

  it("checks fixed bounds", () => {
    expect(issueAt(withAnalyzer({ type: "fixed", metric: "mean" }), "/analyzer")).toMatch(
      /"lower" or an "upper"/,
    );
    expect(
      issueAt(withAnalyzer({ type: "fixed", metric: "mean", lower: null, upper: null }), "/analyzer"),
    ).toMatch(/"lower" or an "upper"/);
    expect(
      issueAt(withAnalyzer({ type: "fixed", metric: "mean", lower: 2, upper: 1 }), "/analyzer/lower"),
    ).toBe("must be ≤ upper (1), got 2");
    expect(issueAt(withAnalyzer({ type: "fixed", lower: 1 }), "/analyzer/metric")).toMatch(/is required/);
    expect(issueAt(withAnalyzer({ type: "fixed", metric: "mean", upper: "1" }), "/analyzer/upper")).toMatch(
      /a finite number or null/,
    );
  });

  it("checks metric names", () => {
    const typo = issueAt(withAnalyzer({ type: "stddev", metric: "null_ration" }), "/analyzer/metric");
    expect(typo).toMatch(/did you mean "null_ratio"\?/);
    expect(typo).toMatch(/"row_count", "column_count" \(per dataset\)/);
    for (const metric of ["Counts/N", "counts/", "/n", "mean/", "counts n", 3]) {
      issueAt(withAnalyzer({ type: "stddev", metric }), "/analyzer/metric");
    }
    for (const metric of [
      "counts/n",
      "distribution/q_90",
      "types/string",
      "cardinality/est",
      "q_95",
      "row_count",
    ]) {
      expect(parseMonitorConfig(withAnalyzer({ type: "stddev", metric })).analyzer).toMatchObject({ metric });
    }
  });

  it("checks stddev and percent_change parameters", () => {
    expect(issueAt(withAnalyzer({ type: "stddev", metric: "mean", factor: 0 }), "/analyzer/factor")).toBe(
      "must be a number > 0, got 0",
    );
    expect(
      issueAt(withAnalyzer({ type: "stddev", metric: "mean", minBuckets: 1 }), "/analyzer/minBuckets"),
    ).toMatch(/an integer ≥ 2 \(one bucket has no spread\)/);
    expect(
      issueAt(withAnalyzer({ type: "stddev", metric: "mean", minBuckets: 2.5 }), "/analyzer/minBuckets"),
    ).toMatch(/an integer ≥ 2/);
    expect(
      issueAt(withAnalyzer({ type: "stddev", metric: "mean", direction: "upward" }), "/analyzer/direction"),
    ).toBe('must be one of "both", "up", "down", got "upward"');
    expect(issueAt(withAnalyzer({ type: "percent_change", metric: "mean" }), "/analyzer/percent")).toMatch(
      /is required: a number > 0/,
    );
    expect(
      issueAt(withAnalyzer({ type: "percent_change", metric: "mean", percent: -5 }), "/analyzer/percent"),
    ).toMatch(/must be a number > 0/);
  });

  it("rejects a stddev analyzer against a reference, or with fewer trailing buckets than minBuckets", () => {
    const ref = issueAt(
      withAnalyzer({ type: "stddev", metric: "mean" }, { baseline: { type: "reference", name: "r" } }),
      "/baseline/type",
    );
    expect(ref).toMatch(/"trailing" or "range".*one profile.*no spread/);
    expect(
      issueAt(
        withAnalyzer(
          { type: "stddev", metric: "mean", minBuckets: 5 },
          { baseline: { type: "trailing", buckets: 4 } },
        ),
        "/baseline/buckets",
      ),
    ).toMatch(/≥ the analyzer's minBuckets \(5\)/);
    expect(
      parseMonitorConfig(
        withAnalyzer({ type: "stddev", metric: "mean" }, { baseline: { type: "range", start: 0, end: 10 } }),
      ).baseline,
    ).toEqual({ type: "range", start: 0, end: 10 });
  });

  it("checks missing_data, schema_change, data_quality and performance parameters", () => {
    expect(issueAt(withAnalyzer({ type: "missing_data", minRows: 0 }), "/analyzer/minRows")).toMatch(
      /integer ≥ 1/,
    );
    expect(
      issueAt(
        withAnalyzer({ type: "schema_change", added: false, removed: false, typeChanged: false }),
        "/analyzer",
      ),
    ).toMatch(/at least one must be true/);
    expect(issueAt(withAnalyzer({ type: "schema_change", added: "yes" }), "/analyzer/added")).toBe(
      'must be true or false, got "yes"',
    );
    expect(issueAt(withAnalyzer({ type: "data_quality", checks: [] }), "/analyzer/checks")).toMatch(
      /non-empty array/,
    );
    expect(
      issueAt(
        withAnalyzer({ type: "data_quality", checks: ["missing_values", "missing_value"] }),
        "/analyzer/checks/1",
      ),
    ).toMatch(/did you mean "missing_values"\?/);
    expect(
      issueAt(
        withAnalyzer({ type: "data_quality", checks: ["out_of_range", "out_of_range"] }),
        "/analyzer/checks/1",
      ),
    ).toBe('repeats the check "out_of_range"');
    expect(
      issueAt(withAnalyzer({ type: "data_quality", missingIncrease: 0 }), "/analyzer/missingIncrease"),
    ).toBe("must be a number in (0, 1], got 0");
    expect(
      parseMonitorConfig(withAnalyzer({ type: "data_quality", missingIncrease: 1 })).analyzer,
    ).toMatchObject({
      missingIncrease: 1,
    });
    expect(issueAt(withAnalyzer({ type: "data_quality", significance: 1 }), "/analyzer/significance")).toBe(
      "must be a number in (0, 1), got 1",
    );
    expect(issueAt(withAnalyzer({ type: "performance_drop", metric: "mae" }), "/analyzer/metric")).toMatch(
      /must be one of "accuracy", "precision", "recall", "f1", "roc_auc"/,
    );
    expect(issueAt(withAnalyzer({ type: "performance_drop", maxDrop: 1.5 }), "/analyzer/maxDrop")).toMatch(
      /\(0, 1\]/,
    );
    expect(
      issueAt(withAnalyzer({ type: "performance_drop", minLabeled: 0 }), "/analyzer/minLabeled"),
    ).toMatch(/integer ≥ 1/);
    expect(
      issueAt(withAnalyzer({ type: "estimated_performance_drop", confidence: 1 }), "/analyzer/confidence"),
    ).toMatch(/\(0, 1\)/);
    expect(
      issueAt(withAnalyzer({ type: "estimated_performance_drop", minLabeled: 5 }), "/analyzer/minLabeled"),
    ).toMatch(
      /not a property of a estimated_performance_drop analyzer|not a property of an estimated_performance_drop analyzer/,
    );
  });

  it("checks targets", () => {
    expect(issueAt({ ...base, targets: { include: [] } }, "/targets/include")).toMatch(/at least one/);
    expect(issueAt({ ...base, targets: [] }, "/targets")).toMatch(/at least one/);
    expect(issueAt({ ...base, targets: { include: ["a", "b", ""] } }, "/targets/include/2")).toMatch(
      /non-empty string/,
    );
    expect(issueAt({ ...base, targets: { include: ["group:input"] } }, "/targets/include/0")).toBe(
      'must be one of the groups "group:inputs", "group:outputs", "group:numeric", "group:categorical", ' +
        'got "group:input" (did you mean "group:inputs"?)',
    );
    expect(issueAt({ ...base, targets: "group:numerics" }, "/targets")).toMatch(
      /did you mean "group:numeric"/,
    );
    expect(issueAt({ ...base, targets: { exclude: [3] } }, "/targets/exclude/0")).toMatch(/non-empty string/);
    expect(issueAt({ ...base, targets: 3 }, "/targets")).toMatch(/must be an object \{include, exclude\}/);
  });

  it("checks segment selectors", () => {
    expect(issueAt({ ...base, segments: [] }, "/segments")).toMatch(/non-empty array/);
    expect(issueAt({ ...base, segments: ["", "region"] }, "/segments/1")).toMatch(
      /key=value pairs joined by "&"/,
    );
    expect(issueAt({ ...base, segments: ["=eu"] }, "/segments/0")).toMatch(/empty key/);
    expect(issueAt({ ...base, segments: ["region="] }, "/segments/0")).toMatch(/empty value.*use "\*"/);
    expect(issueAt({ ...base, segments: ["a=1&&b=2"] }, "/segments/0")).toMatch(/key=value pairs/);
    expect(issueAt({ ...base, segments: ["a=1&a=2"] }, "/segments/0")).toBe(
      'names the key "a" more than once',
    );
    expect(issueAt({ ...base, segments: ["a=%E0%A4%A"] }, "/segments/0")).toMatch(/malformed %-escape/);
    expect(issueAt({ ...base, segments: [1] }, "/segments/0")).toMatch(/must be a segment selector string/);
    expect(issueAt({ ...base, segments: "a" }, "/segments")).toMatch(/key=value/);
  });

  it("checks baselines", () => {
    expect(issueAt({ ...base, baseline: { type: "rolling" } }, "/baseline/type")).toBe(
      'must be one of "trailing", "reference", "range", got "rolling"',
    );
    expect(issueAt({ ...base, baseline: { type: "trailing", buckets: 0 } }, "/baseline/buckets")).toBe(
      "must be an integer from 1 to 365, got 0",
    );
    expect(issueAt({ ...base, baseline: { type: "trailing", buckets: 366 } }, "/baseline/buckets")).toMatch(
      /from 1 to 365/,
    );
    expect(issueAt({ ...base, baseline: { type: "reference" } }, "/baseline/name")).toMatch(/is required/);
    expect(issueAt({ ...base, baseline: { type: "reference", name: "" } }, "/baseline/name")).toMatch(
      /non-empty/,
    );
    expect(
      issueAt({ ...base, baseline: { type: "reference", name: "r", buckets: 3 } }, "/baseline/buckets"),
    ).toMatch(/not a property of a reference baseline; allowed: "type", "name"/);
    expect(issueAt({ ...base, baseline: { type: "range", start: 10, end: 10 } }, "/baseline/end")).toMatch(
      /must be after start/,
    );
    expect(issueAt({ ...base, baseline: { type: "range", start: 0 } }, "/baseline/end")).toMatch(
      /is required/,
    );
    expect(
      issueAt(
        { ...base, baseline: { type: "range", start: "2024-05-01T00:00:00", end: 5 } },
        "/baseline/start",
      ),
    ).toMatch(/needs a time zone/);
    for (const start of ["2024-02-30", "2024-13-01", "May 1 2024", "2024-05-01T24:00:00Z", -1, 1.5]) {
      issueAt({ ...base, baseline: { type: "range", start, end: "2030-01-01" } }, "/baseline/start");
    }
    expect(issueAt({ ...base, baseline: "trailing" }, "/baseline")).toMatch(/must be an object/);
  });

  it("checks severity, notify, enabled and description", () => {
    expect(issueAt({ ...base, severity: "warn" }, "/severity")).toMatch(
      /one of "critical", "error", "warning", "info".*did you mean "warning"\?/,
    );
    expect(issueAt({ ...base, severity: "crit" }, "/severity")).toMatch(/did you mean "critical"\?/);
    expect(issueAt({ ...base, notify: { mode: "daily" } }, "/notify/mode")).toMatch(
      /"immediate", "digest-hourly", "digest-daily"/,
    );
    // An abbreviation of two allowed values suggests neither.
    expect(issueAt({ ...base, notify: { mode: "digest" } }, "/notify/mode")).toBe(
      'must be one of "immediate", "digest-hourly", "digest-daily", got "digest"',
    );
    expect(issueAt({ ...base, notify: { channels: "ch" } }, "/notify/channels")).toMatch(
      /array of channel ids/,
    );
    expect(issueAt({ ...base, notify: { channels: ["a", ""] } }, "/notify/channels/1")).toMatch(/non-empty/);
    expect(issueAt({ ...base, notify: { channels: ["a", "b", "a"] } }, "/notify/channels/2")).toBe(
      'repeats the channel "a"',
    );
    expect(issueAt({ ...base, enabled: "true" }, "/enabled")).toMatch(/true or false/);
    expect(issueAt({ ...base, description: null }, "/description")).toMatch(/must be a string/);
    expect(issueAt({ ...base, description: "x".repeat(2001) }, "/description")).toMatch(/at most 2000/);
  });
});

describe("parseMonitorBody", () => {
  it("passes parsed JSON through", () => {
    const body = { name: "m" };
    expect(parseMonitorBody(body, "application/json")).toBe(body);
    expect(parseMonitorBody(undefined, undefined)).toBeUndefined();
  });

  it("parses YAML bodies of every YAML content type", () => {
    const text = [
      "name: Income drift",
      "analyzer:",
      "  type: drift",
      "  method: psi",
      "  threshold: 0.25",
      "targets: [income]",
      "segments:",
      "  - region=*",
      "baseline: {type: reference, name: launch}",
      "notify:",
      "  channels: [ch_1]",
      "  mode: digest-daily",
      "",
    ].join("\n");
    for (const type of ["application/yaml", "application/x-yaml; charset=utf-8", "TEXT/YAML"]) {
      const config = parseMonitorConfig(parseMonitorBody(text, type));
      expect(config.analyzer).toEqual({ type: "drift", method: "psi", threshold: 0.25, minCount: 1 });
      expect(config.notify).toEqual({ channels: ["ch_1"], mode: "digest-daily" });
    }
    expect(parseMonitorBody(Buffer.from("name: x\n"), "application/yaml")).toEqual({ name: "x" });
  });

  it("reads YAML 1.2: yes stays a string", () => {
    expect(parseMonitorBody("enabled: yes\n", "application/yaml")).toEqual({ enabled: "yes" });
  });

  it("reports YAML syntax errors with line and column", () => {
    const error = apiError(() =>
      parseMonitorBody("name: m\nanalyzer:\n  type: drift\n   method: ks\n", "application/yaml"),
    );
    expect(error.code).toBe("bad-request");
    expect(error.message).toMatch(/^YAML syntax error at line 3, column 9: /);
    expect(error.details).toMatchObject({ line: 3, column: 9 });
    const dup = apiError(() => parseMonitorBody("name: a\nname: b\n", "application/yaml"));
    expect(dup.message).toMatch(/^YAML syntax error at line 2, column 1: Map keys must be unique/);
  });

  it("rejects a text body of another content type", () => {
    expect(apiError(() => parseMonitorBody("name: m", "text/plain")).message).toMatch(
      /application\/json or application\/yaml/,
    );
  });
});

describe("parseDuration", () => {
  it.each<[unknown, number]>([
    [0, 0],
    [90_000, 90_000],
    ["PT15M", 15 * MINUTE],
    ["PT1H30M", 90 * MINUTE],
    ["PT30S", 30_000],
    ["PT0.5S", 500],
    ["P1D", DAY],
    ["P7D", 7 * DAY],
    ["P1W", 7 * DAY],
    ["P1DT12H", 36 * HOUR],
    ["30s", 30_000],
    ["15m", 15 * MINUTE],
    ["1h", HOUR],
    ["2d", 2 * DAY],
    ["1h30m", 90 * MINUTE],
    ["500ms", 500],
  ])("%j is %d ms", (value, ms) => {
    expect(parseDuration(value, "/x")).toBe(ms);
  });

  it.each<[unknown, RegExp]>([
    [-1, /must be a duration/],
    [1.5, /must be a duration/],
    ["P1M", /years or months/],
    ["P1Y", /years or months/],
    ["P", /must be a duration/],
    ["PT", /must be a duration/],
    ["P1DT", /must be a duration/],
    ["15 minutes", /must be a duration/],
    ["1.5h", /must be a duration/],
    [null, /must be a duration/],
  ])("rejects %j", (value, message) => {
    const error = apiError(() => parseDuration(value, "/readinessDelay"));
    expect(error.message).toMatch(/^\/readinessDelay /);
    expect(error.message).toMatch(message);
    expect(error.details!["field"]).toBe("/readinessDelay");
  });
});

describe("monitor settings", () => {
  const current: MonitorSettings = defaultMonitorSettings("day");

  it("has per-frequency defaults", () => {
    expect(defaultMonitorSettings("hour")).toEqual({
      readinessDelayMs: 5 * MINUTE,
      backfillHorizonMs: 30 * DAY,
      settleMs: 60_000,
    });
    expect(current).toEqual({ readinessDelayMs: 30 * MINUTE, backfillHorizonMs: 30 * DAY, settleMs: 60_000 });
    expect(defaultMonitorSettings("week")).toEqual({
      readinessDelayMs: 30 * MINUTE,
      backfillHorizonMs: 190 * DAY,
      settleMs: 60_000,
    });
  });

  it("applies partial updates", () => {
    expect(parseMonitorSettings({ readinessDelay: "PT2H" }, current)).toEqual({
      ...current,
      readinessDelayMs: 2 * HOUR,
    });
    expect(parseMonitorSettings({ backfillHorizon: "P400D", settle: 0 }, current)).toEqual({
      ...current,
      backfillHorizonMs: 400 * DAY,
      settleMs: 0,
    });
    expect(parseMonitorSettings({ settleMs: 5000 }, current)).toEqual({ ...current, settleMs: 5000 });
    expect(parseMonitorSettings({}, current)).toEqual(current);
  });

  it("accepts what it returns (the Ms names)", () => {
    const next = { readinessDelayMs: HOUR, backfillHorizonMs: DAY, settleMs: 1 };
    expect(parseMonitorSettings(next, current)).toEqual(next);
  });

  it("reports every problem", () => {
    const error = apiError(() =>
      parseMonitorSettings(
        { readinessDelay: "P8D", backfillHorizon: "P401D", settle: "2d", readinesDelay: 1, settleMs: "1s" },
        current,
      ),
    );
    const issues = error.details!["issues"] as ConfigIssue[];
    expect(issues).toEqual([
      {
        path: "/readinesDelay",
        message: expect.stringMatching(
          /is not a property of the monitor settings \(did you mean "readinessDelay"\?\)/,
        ),
      },
      { path: "/readinessDelay", message: "must be at most 7 days, got 8 days" },
      { path: "/backfillHorizon", message: "must be at most 400 days, got 401 days" },
      { path: "/settleMs", message: 'duplicates "settle": send one of the two' },
    ]);
    expect(error.message).toMatch(/^4 problems in the monitor settings: \/readinesDelay is not a property/);
    expect(apiError(() => parseMonitorSettings({ settle: "2d" }, current)).details!["issues"]).toEqual([
      { path: "/settle", message: "must be at most 1 day, got 2 days" },
    ]);
    expect(apiError(() => parseMonitorSettings({ settle: "PT25H" }, current)).details!["issues"]).toEqual([
      { path: "/settle", message: "must be at most 1 day, got 25 hours" },
    ]);
    expect(apiError(() => parseMonitorSettings({ settle: 86_400_001 }, current)).details!["issues"]).toEqual([
      { path: "/settle", message: "must be at most 1 day, got 86400001 ms" },
    ]);
    expect(apiError(() => parseMonitorSettings(null, current)).details!["field"]).toBe("");
  });
});

describe("defaultMonitors", () => {
  it("is the documented set, valid and unchanged by another round through the parser", () => {
    const monitors = defaultMonitors();
    expect(monitors.map((m) => [m.name, m.analyzer.type, m.severity])).toEqual([
      ["Input drift", "drift", "warning"],
      ["Missing data", "missing_data", "error"],
      ["Null ratio", "data_quality", "warning"],
      ["Type mismatch", "data_quality", "warning"],
    ]);
    expect(new Set(monitors.map((m) => m.name)).size).toBe(monitors.length);
    expect(monitors[0]!.analyzer).toEqual({ type: "drift", method: "auto", threshold: 0.001, minCount: 1 });
    expect(monitors[2]!.analyzer).toMatchObject({ checks: ["missing_values"] });
    expect(monitors[3]!.analyzer).toMatchObject({ checks: ["type_mismatch"] });
    for (const m of monitors) {
      expect(m.targets).toEqual({ include: ["group:inputs"], exclude: [] });
      expect(m.baseline).toEqual({ type: "trailing", buckets: 7 });
      const document = monitorConfigToDocument(m);
      expect(parseMonitorConfig(document)).toEqual(m);
      expect(parseMonitorConfig(JSON.parse(JSON.stringify(document)))).toEqual(m);
    }
  });

  it("returns independent copies", () => {
    const a = defaultMonitors();
    (a[0]!.targets.include as string[]).push("x");
    expect(defaultMonitors()[0]!.targets.include).toEqual(["group:inputs"]);
  });
});

describe("monitorConfigToDocument", () => {
  it("is a plain deep copy that parses back to the same config", () => {
    const config = parseMonitorConfig({
      ...base,
      segments: ["region=us east"],
      baseline: { type: "range", start: "2024-01-01", end: "2024-02-01" },
    });
    const document = monitorConfigToDocument(config);
    expect(document).toEqual(config);
    expect(document["targets"]).not.toBe(config.targets);
    expect(parseMonitorConfig(document)).toEqual(config);
  });
});

describe("MONITOR_JSON_SCHEMA", () => {
  // Ajv 2020 arrives with Fastify; it is loaded from there so the test checks the schema against a real
  // draft 2020-12 validator without a dependency of its own.
  const require = createRequire(import.meta.url);
  const fastifyAjv = createRequire(require.resolve("@fastify/ajv-compiler/package.json"));
  type Validate = ((data: unknown) => boolean) & { errors?: unknown };
  const Ajv2020 = fastifyAjv("ajv/dist/2020").default as new (options: object) => {
    compile(schema: object): Validate;
  };
  const validate = new Ajv2020({ strict: true, strictTypes: false, allErrors: true }).compile(
    MONITOR_JSON_SCHEMA,
  );

  it("accepts valid documents, shorthands and canonical forms", () => {
    const docs: unknown[] = [
      base,
      { ...base, targets: "income", segments: "all" },
      withAnalyzer({ type: "drift", method: "ks", threshold: 0.01 }),
      withAnalyzer({ type: "fixed", metric: "counts/n", lower: 1 }),
      withAnalyzer(
        { type: "stddev", metric: "null_ratio" },
        { baseline: { type: "range", start: "2024-01-01", end: 5 } },
      ),
      withAnalyzer({ type: "percent_change", metric: "row_count", percent: 10 }),
      withAnalyzer({ type: "schema_change", added: false }),
      withAnalyzer({ type: "performance_drop" }, { notify: { channels: ["c"], mode: "digest-daily" } }),
      ...defaultMonitors().map(monitorConfigToDocument),
    ];
    for (const doc of docs) expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
  });

  it("rejects what the parser rejects where a schema can say so", () => {
    const docs: unknown[] = [
      { name: "m" },
      { ...base, treshold: 1 },
      withAnalyzer({ type: "drift", treshold: 0.1 }),
      withAnalyzer({ type: "drift", threshold: 1.5 }),
      withAnalyzer({ type: "drift", method: "ks", threshold: 2 }),
      withAnalyzer({ type: "fixed", metric: "mean" }),
      withAnalyzer({ type: "fixed", metric: "Mean", lower: 1 }),
      withAnalyzer({ type: "schema_change", added: false, removed: false, typeChanged: false }),
      withAnalyzer({ type: "stddev", metric: "mean" }, { baseline: { type: "reference", name: "r" } }),
      { ...base, targets: ["group:input"] },
      { ...base, segments: ["region"] },
      { ...base, notify: { channels: ["a", "a"] } },
    ];
    for (const doc of docs) expect(validate(doc), JSON.stringify(doc)).toBe(false);
  });
});

describe("docs/MONITORS.md", () => {
  // Every JSON and YAML block of the user documentation is a document the server accepts as the text says.
  const text = readFileSync(new URL("../../../docs/MONITORS.md", import.meta.url), "utf8");
  const blocks = [...text.matchAll(/^```(json|yaml)\n([\s\S]*?)^```$/gm)].map((m) =>
    m[1] === "json" ? (JSON.parse(m[2]!) as unknown) : parseMonitorBody(m[2]!, "application/yaml"),
  ) as Record<string, unknown>[];

  it("has monitors that parse, the JSON and YAML form of each example alike", () => {
    const byName = new Map<string, MonitorConfig>();
    let monitors = 0;
    for (const block of blocks.filter((b) => "analyzer" in b)) {
      const config = parseMonitorConfig(block);
      const same = byName.get(config.name);
      if (same !== undefined) expect(config).toEqual(same);
      byName.set(config.name, config);
      monitors++;
    }
    expect(monitors).toBeGreaterThanOrEqual(9);
    expect(byName.get("Schema change")!.segments).toEqual(["*"]);
  });

  it("has fragments and settings that parse", () => {
    const fragments = blocks.filter((b) => !("analyzer" in b) && ("targets" in b || "notify" in b));
    expect(fragments.length).toBe(2);
    for (const f of fragments) parseMonitorConfig({ ...base, ...f });
    const settings = blocks.filter((b) => "readinessDelay" in b);
    expect(settings.length).toBe(1);
    expect(parseMonitorSettings(settings[0], defaultMonitorSettings("day"))).toMatchObject({
      readinessDelayMs: 2 * HOUR,
      backfillHorizonMs: 60 * DAY,
    });
  });

  it("shows the error a real document gets", () => {
    const shown = blocks.find((b) => "error" in b)!["error"] as Record<string, unknown>;
    const error = apiError(() =>
      parseMonitorConfig({
        name: "m",
        analyzer: { type: "drift", treshold: 0.1 },
        baseline: { type: "trailing", buckets: 0 },
      }),
    );
    expect({ code: error.code, message: error.message, ...error.details }).toEqual({
      code: shown["code"],
      message: shown["message"],
      field: shown["field"],
      issues: shown["issues"],
    });
  });
});
