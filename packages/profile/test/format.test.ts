import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatFixed6, formatInt64, truncateCodePoints } from "../src/metrics/format.js";
import { pythonFloatRepr, pythonStr } from "../src/util/python-str.js";
import { sha512Hex } from "../src/util/sha512.js";

describe("formatFixed6 (C printf %f, as whylogs' C++ wrapper renders floats)", () => {
  // Expected strings are what CPython's '%f' % x prints (correctly rounded, ties to even, like glibc).
  const cases: [number, string][] = [
    [0.0078125, "0.007812"], // exact tie: half to even, where Number#toFixed would round up
    [-0.0078125, "-0.007812"],
    [3.0517578125e-5, "0.000031"],
    [1.5, "1.500000"],
    [1e-7, "0.000000"],
    [2.5e-7, "0.000000"],
    [5e-7, "0.000000"],
    [1e20, "100000000000000000000.000000"],
    [1e21, "1000000000000000000000.000000"],
    [1.23456789e22, "12345678899999999524864.000000"],
    [-0, "-0.000000"],
    [0.1, "0.100000"],
    [123456.7890125, "123456.789012"],
    [-2.0000005, "-2.000001"],
    [0.9999995, "1.000000"],
    [9.9999995, "9.999999"],
    [1.0000005, "1.000001"],
    [Infinity, "inf"],
    [-Infinity, "-inf"],
  ];
  it.each(cases)("%s → %s", (x, want) => expect(formatFixed6(x)).toBe(want));

  it("agrees with toFixed(6) away from ties and parses back within half a unit of the last digit", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e15, max: 1e15 }), (x) => {
        const s = formatFixed6(x);
        expect(Math.abs(Number(s) - x)).toBeLessThanOrEqual(5e-7 + Math.abs(x) * 1e-15);
        if (!Number.isInteger(Math.abs(x) * 128) || (Math.abs(x) * 128) % 2 === 0) {
          const t = x.toFixed(6);
          expect(s).toBe(Object.is(x, -0) || (x < 0 && t === "0.000000") ? `-${t.replace(/^-/, "")}` : t);
        }
      }),
      { seed: 42, numRuns: 2000 },
    );
  });
});

describe("truncateCodePoints (Python s[:n])", () => {
  it("counts surrogate pairs as one code point", () => {
    const s = "😀".repeat(200);
    expect(truncateCodePoints(s, 128)).toBe("😀".repeat(128));
    expect(truncateCodePoints("abc", 2)).toBe("ab");
    expect(truncateCodePoints("a😀b", 2)).toBe("a😀");
    expect(truncateCodePoints("x".repeat(128), 128)).toBe("x".repeat(128));
  });
  it("keeps a lone surrogate as one code point", () => {
    expect(truncateCodePoints("\ud800abc", 2)).toBe("\ud800a");
  });
});

describe("Python str() of segment values", () => {
  it.each([
    [1, false, "1"],
    [1, true, "1.0"],
    [0.0001, true, "0.0001"],
    [1e-5, true, "1e-05"],
    [1e16, true, "1e+16"],
    [1e15, true, "1000000000000000.0"],
    [123.456, true, "123.456"],
    [-2.5e-9, true, "-2.5e-09"],
    [1e22, true, "1e+22"],
    [NaN, true, "nan"],
    [true, false, "True"],
    [null, false, "nan"],
    ["Oslo", false, "Oslo"],
  ] as const)("%s (fractional %s) → %s", (v, fractional, want) =>
    expect(pythonStr(v, fractional)).toBe(want),
  );
  it("repr of -0.0 and 0.0", () => {
    expect(pythonFloatRepr(-0)).toBe("-0.0");
    expect(pythonFloatRepr(0)).toBe("0.0");
  });
});

describe("sha512Hex", () => {
  it("matches FIPS 180-4 test vectors", () => {
    expect(sha512Hex("")).toBe(
      "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
    );
    expect(sha512Hex("abc")).toBe(
      "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
    );
    // Two-block message (112 bytes) from FIPS 180-2 appendix C.
    expect(
      sha512Hex(
        "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
      ),
    ).toBe(
      "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909",
    );
  });
  it("gives whylogs' partition id for segment_on_column('category')", () => {
    // The id found as segp_id in whylogs-written segmented profiles.
    expect(sha512Hex(sha512Hex("category")).slice(0, 12)).toBe("8ff3ae39c468");
  });
});

describe("formatInt64 (C++ std::to_string of an int64)", () => {
  it.each([
    [0, "0"],
    [-0, "0"],
    [42, "42"],
    [-2147483648, "-2147483648"],
    [2147483648, "2147483648"],
    [100000000, "100000000"],
    [99999999, "99999999"],
    [1e8 * 12345 + 7, "1234500000007"],
    [2 ** 53 - 1, "9007199254740991"],
    [-(2 ** 53 - 1), "-9007199254740991"],
    [2 ** 60, "1152921504606846976"],
    [-(2 ** 63), "-9223372036854775808"],
  ])("%s → %s", (v, want) => expect(formatInt64(v)).toBe(want));

  it("matches BigInt's exact decimal text for any safe integer", () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (v) => {
        expect(formatInt64(v)).toBe(BigInt(v).toString());
      }),
      { seed: 5, numRuns: 5000 },
    );
  });
});
