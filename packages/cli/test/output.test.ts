// Terminal output: tables fit the terminal and never pass control characters through; the progress line.
import { describe, expect, it } from "vitest";
import { displayWidth, formatNumber, formatPValue, printable } from "../src/output/format.js";
import { jsonText } from "../src/output/json.js";
import { ProgressLine } from "../src/output/progress.js";
import { renderTable } from "../src/output/table.js";

describe("printable", () => {
  it("escapes terminal control sequences and bidi overrides that data could carry", () => {
    expect(printable("a\u001b[31mred\u0007")).toBe("a\\u001b[31mred\\u0007");
    expect(printable("evil\u202etxt.exe")).toBe("evil\\u202etxt.exe");
    expect(printable("x\ny")).toBe("x\\u000ay");
  });

  it("cuts to a display width, counting wide characters twice", () => {
    expect(displayWidth("日本語")).toBe(6);
    expect(printable("日本語テキスト", 7)).toBe("日本語…");
    expect(displayWidth(printable("x".repeat(10_000), 40))).toBe(40);
  });
});

describe("renderTable", () => {
  it("aligns columns and shrinks flexible ones to the terminal width", () => {
    const rows = [
      ["a-very-long-column-name-that-goes-on-and-on", "1"],
      ["b", "22"],
    ];
    const wide = renderTable(
      [
        { header: "column", flexible: true },
        { header: "n", align: "right" },
      ],
      rows,
      {
        color: false,
        width: Infinity,
      },
    );
    expect(wide.split("\n")[2]).toBe("a-very-long-column-name-that-goes-on-and-on   1");
    const narrow = renderTable(
      [
        { header: "column", flexible: true },
        { header: "n", align: "right" },
      ],
      rows,
      {
        color: false,
        width: 20,
      },
    );
    for (const line of narrow.split("\n")) expect(displayWidth(line)).toBeLessThanOrEqual(20);
    expect(narrow).toContain("…");
  });

  it("colours only when asked", () => {
    const t = renderTable([{ header: "c" }], [[{ text: "drift", color: "31" }]], { color: true, width: 80 });
    expect(t).toContain("\u001b[31mdrift\u001b[0m");
    expect(
      renderTable([{ header: "c" }], [[{ text: "drift", color: "31" }]], { color: false, width: 80 }),
    ).not.toContain("\u001b");
  });
});

describe("numbers", () => {
  it("formats counts, small and large values and p-values readably", () => {
    expect(formatNumber(1234567)).toBe("1,234,567");
    expect(formatNumber(0.000123456)).toBe("1.235e-4");
    expect(formatNumber(null)).toBe("—");
    expect(formatNumber(-Infinity)).toBe("−∞");
    expect(formatPValue(3.2e-200)).toBe("3.2e-200");
    expect(formatPValue(0.04321)).toBe("0.0432");
    expect(formatPValue(null)).toBe("—");
  });

  it("JSON keeps NaN and infinities as strings and bigints as decimal text", () => {
    expect(JSON.parse(jsonText({ a: NaN, b: Infinity, c: -Infinity, d: 2n ** 63n, e: 1.5 }))).toEqual({
      a: "NaN",
      b: "Infinity",
      c: "-Infinity",
      d: "9223372036854775808",
      e: 1.5,
    });
  });
});

describe("ProgressLine", () => {
  it("redraws one line with bytes, rows, rate and ETA, and clears it when done", () => {
    const writes: string[] = [];
    const line = new ProgressLine(
      { isTTY: true, columns: 200, write: (t) => writes.push(t) > 0 },
      "profiling",
    );
    line.update({ bytes: 50e6, totalBytes: 200e6, rows: 100_000 });
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatch(
      // eslint-disable-next-line no-control-regex -- the escape sequence is what is being checked
      /^\r\u001b\[2Kprofiling {2}\[█{6}░{18}\] {2}25% {2}50\.0 MB\/200 MB {2}ETA .+ {2}100,000 rows {2}[\d,]+ rows\/s$/,
    );
    line.update({ bytes: 60e6, totalBytes: 200e6, rows: 120_000 }); // within 200 ms: not redrawn
    expect(writes).toHaveLength(1);
    line.done();
    expect(writes[1]).toBe("\r\u001b[2K");
  });
});
