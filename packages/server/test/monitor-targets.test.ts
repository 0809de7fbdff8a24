// Target columns and segments of a monitor, resolved against what a bucket's profiles contain.
import { describe, expect, it } from "vitest";
import { parseMonitorConfig } from "../src/monitors/config.js";
import {
  formatSegmentSelector,
  isOutputColumnName,
  parseSegmentSelector,
  resolveSegments,
  resolveTargets,
} from "../src/monitors/targets.js";
import type { ColumnInfo } from "../src/monitors/targets.js";
import { segmentKey } from "../src/store/profiles.js";

const outputs = new Set(["prediction", "score", "label"]);
const column = (name: string, inferredType: string): ColumnInfo => ({
  name,
  inferredType,
  isOutput: isOutputColumnName(name, outputs),
});

const columns: ColumnInfo[] = [
  column("age", "integral"),
  column("income", "fractional"),
  column("income_band", "string"),
  column("region", "string"),
  column("is_member", "boolean"),
  column("payload", "object"),
  column("always_null", "null"),
  column("prediction", "integral"),
  column("score", "fractional"),
  column("label", "integral"),
  column("model_output_2", "fractional"),
];

const resolve = (include: string[], exclude: string[] = []) => resolveTargets({ include, exclude }, columns);

describe("isOutputColumnName", () => {
  it("is true for the performance spec's columns and names containing output in any case", () => {
    expect(isOutputColumnName("prediction", outputs)).toBe(true);
    expect(isOutputColumnName("Model_OUTPUT", new Set())).toBe(true);
    expect(isOutputColumnName("outputs", new Set())).toBe(true);
    expect(isOutputColumnName("income", outputs)).toBe(false);
    expect(isOutputColumnName("out_put", new Set())).toBe(false);
  });
});

describe("resolveTargets", () => {
  it("resolves the groups", () => {
    expect(resolve(["group:inputs"])).toEqual([
      "age",
      "income",
      "income_band",
      "region",
      "is_member",
      "payload",
      "always_null",
    ]);
    expect(resolve(["group:outputs"])).toEqual(["prediction", "score", "label", "model_output_2"]);
    expect(resolve(["group:numeric"])).toEqual([
      "age",
      "income",
      "prediction",
      "score",
      "label",
      "model_output_2",
    ]);
    expect(resolve(["group:categorical"])).toEqual(["income_band", "region", "is_member", "payload"]);
  });

  it("excludes win over includes, results follow the columns' order without duplicates", () => {
    expect(resolve(["region", "income*", "age", "group:numeric"], ["group:outputs", "income_band"])).toEqual([
      "age",
      "income",
      "region",
    ]);
    expect(resolve(["*"], ["*_*"])).toEqual([
      "age",
      "income",
      "region",
      "payload",
      "prediction",
      "score",
      "label",
    ]);
  });

  it("selects nothing for names that do not exist", () => {
    expect(resolve(["missing", "income"])).toEqual(["income"]);
    expect(resolve(["Income"])).toEqual([]);
  });

  it("anchors wildcards: * is any run of characters, including none", () => {
    expect(resolve(["income*"])).toEqual(["income", "income_band"]);
    expect(resolve(["*come"])).toEqual(["income"]);
    expect(resolve(["in*e*"])).toEqual(["income", "income_band"]);
    expect(resolve(["*_*_*"])).toEqual(["model_output_2"]);
    expect(resolve(["ncome*"])).toEqual([]);
  });

  it("takes every other character literally, regular-expression metacharacters included", () => {
    const odd = [
      "a.b",
      "axb",
      "a.bc",
      "a+b",
      "aab",
      "(x)",
      "x",
      "[ab]",
      "a",
      "b",
      "c$",
      "c",
      "a\\b",
      "a|b",
      "q?",
    ];
    const cols = odd.map((name) => column(name, "string"));
    const r = (include: string) => resolveTargets({ include: [include], exclude: [] }, cols);
    expect(r("a.b*")).toEqual(["a.b", "a.bc"]);
    expect(r("a+*")).toEqual(["a+b"]);
    expect(r("(*)")).toEqual(["(x)"]);
    expect(r("[*]")).toEqual(["[ab]"]);
    expect(r("c$*")).toEqual(["c$"]);
    expect(r("a\\*")).toEqual(["a\\b"]);
    expect(r("a|*")).toEqual(["a|b"]);
    expect(r("q?*")).toEqual(["q?"]);
    // Exact names are never patterns.
    expect(r("a.b")).toEqual(["a.b"]);
  });

  it("matches names across line breaks", () => {
    const cols = [column("a\nb", "string")];
    expect(resolveTargets({ include: ["a*b"], exclude: [] }, cols)).toEqual(["a\nb"]);
  });

  it("works on the targets of a parsed monitor", () => {
    const config = parseMonitorConfig({ name: "m", analyzer: { type: "drift" }, targets: "income*" });
    expect(resolveTargets(config.targets, columns)).toEqual(["income", "income_band"]);
  });
});

describe("segment selectors", () => {
  it("parses and formats selectors canonically", () => {
    const parsed = parseSegmentSelector("region=*&model=v%202");
    expect(parsed).toEqual({
      ok: true,
      kind: "tags",
      tags: [
        { key: "model", value: "v 2" },
        { key: "region", value: null },
      ],
    });
    if (!parsed.ok) throw new Error("unreachable");
    expect(formatSegmentSelector(parsed.tags)).toBe("model=v%202&region=*");
    expect(formatSegmentSelector([{ key: "k", value: "*" }])).toBe("k=%2A");
    expect(parseSegmentSelector("")).toMatchObject({ ok: true, kind: "overall" });
    expect(parseSegmentSelector("*")).toMatchObject({ ok: true, kind: "all" });
    expect(parseSegmentSelector("k")).toMatchObject({ ok: false });
  });
});

describe("resolveSegments", () => {
  const key = (tags: Record<string, string>) =>
    segmentKey(Object.entries(tags).map(([k, value]) => ({ key: k, value })));
  const us = key({ region: "us" });
  const eu = key({ region: "eu" });
  const usA = key({ region: "us", model: "a" });
  const usB = key({ region: "us", model: "b" });
  const euA = key({ region: "eu", model: "a" });
  const odd = key({ region: "São Paulo & co", tier: "*" });
  const known = [usA, us, eu, euA, usB, odd];

  it("maps the whole dataset and everything", () => {
    expect(resolveSegments([""], known)).toEqual([""]);
    expect(resolveSegments(["*"], known)).toEqual(["", ...[...known].sort()]);
    expect(resolveSegments(["*"], [])).toEqual([""]);
  });

  it("picks a fixed segment only when it is present, whatever the selector's key order", () => {
    expect(resolveSegments(["region=us"], known)).toEqual([us]);
    expect(resolveSegments(["region=us&model=a"], known)).toEqual([usA]);
    expect(resolveSegments(["model=a&region=us"], known)).toEqual([usA]);
    expect(resolveSegments(["region=mars"], known)).toEqual([]);
  });

  it("fans out over a wildcard key at the selector's granularity", () => {
    expect(resolveSegments(["region=*"], known)).toEqual([eu, us].sort());
    expect(resolveSegments(["model=*&region=us"], known)).toEqual([usA, usB].sort());
    expect(resolveSegments(["model=a&region=*"], known)).toEqual([euA, usA].sort());
    expect(resolveSegments(["model=*&region=*"], known)).toEqual([euA, usA, usB].sort());
    expect(resolveSegments(["model=*"], known)).toEqual([]);
  });

  it("decodes encoded values and keeps a literal asterisk distinct from the wildcard", () => {
    expect(resolveSegments(["region=S%C3%A3o%20Paulo%20%26%20co&tier=%2A"], known)).toEqual([odd]);
    expect(resolveSegments(["region=*&tier=*"], known)).toEqual([odd]);
    expect(resolveSegments(["region=*&tier=x"], known)).toEqual([]);
  });

  it("deduplicates and sorts across selectors", () => {
    expect(resolveSegments(["region=*", "", "region=us", "*"], known)).toEqual(["", ...[...known].sort()]);
    expect(resolveSegments(["region=us", "region=*"], [us, us, eu])).toEqual([eu, us].sort());
  });

  it("resolves the canonical selectors of a parsed monitor", () => {
    const config = parseMonitorConfig({
      name: "m",
      analyzer: { type: "drift" },
      segments: ["overall", "region=us&model=*", "tier=%2A&region=São Paulo %26 co"],
    });
    expect(resolveSegments(config.segments, known)).toEqual(["", odd, usA, usB].sort());
  });

  it("throws on a malformed selector", () => {
    expect(() => resolveSegments(["region"], known)).toThrow(/segment selector "region"/);
  });
});
