// What a field of delimited text means, decided from its bytes: null, boolean, number or string. The rules are
// pandas.read_csv's defaults, because the profiles this produces are compared with whylogs profiles of
// DataFrames that pandas read from the same files:
//
// - null: pandas' default NA strings (DEFAULT_NULL_VALUES, the empty field included), matched exactly (no case
//   folding, no trimming), quoted or not. A caller's list replaces the defaults (pandas' na_values together with
//   keep_default_na=False); pass [...DEFAULT_NULL_VALUES, ...more] to extend them instead.
// - boolean: True/TRUE/true and False/FALSE/false.
// - number: [blanks][+|-]digits[.digits][(e|E)[+|-]digits][blanks] with at least one mantissa digit (".5" and "5."
//   included, as pandas' xstrtod accepts them), and inf/infinity with an optional sign in any letter case. No hex,
//   no digit separators, no "nan" (pandas does not parse it as a number either; the NA list covers the usual
//   spellings). Integer syntax (no ".", no exponent) is an integer; anything else is a float.
// - everything else is a string.
//
// Numbers are read straight from the bytes, without creating a string, and must equal what JavaScript's Number()
// (correctly rounded, like pandas' default "high" precision and Python's float()) gives for the same text:
// - a significand below 2^53 (every number of up to 15 digits, most of 16) with |exp10| <= 22: the significand
//   and the power of ten are exact doubles, so one multiplication or division rounds correctly (Clinger's fast
//   path; a little further for small significands with larger exponents);
// - up to 19 significant digits with |exp10| <= 22 (the 17-digit shortest forms of doubles land here): the
//   significand as an exact double-double, the product or quotient with its exact error term (Dekker), and a
//   final rounding that is accepted only when moving the approximation by far more than its error bound rounds
//   to the same double; otherwise (an exact tie, or a near-tie: about one value in 2^38) the slow path decides;
// - anything else (more digits, larger exponents): Number() of the field's text.
// Integer syntax beyond +-(2^53 - 1) is kept exact as a bigint when it fits int64 (whylogs hashes int64 bits);
// beyond int64 it becomes the nearest double, as there is no exact int64 to keep.

/** Kinds of a parsed field, stored one byte per field by the readers. */
export const TAG_NULL = 0;
/** An integer in int32 range (the value is in the number slot). */
export const TAG_INT32 = 1;
/** Any other integer kept as a number: a safe integer, or integer syntax beyond int64 (then rounded). */
export const TAG_INT = 2;
/** A number written with float syntax (".", an exponent, inf). */
export const TAG_FLOAT = 3;
export const TAG_TRUE = 4;
export const TAG_FALSE = 5;
/** A string (the value is kept by the reader). */
export const TAG_STRING = 6;
/** An integer beyond +-(2^53 - 1) within int64: `NumberScanner.bigint` holds it, the number slot its rounding. */
export const TAG_BIGINT = 7;
/** Not a number (only returned by NumberScanner.scan). */
export const TAG_NONE = -1;

/** pandas.read_csv's default NA strings (pandas._libs.parsers.STR_NA_VALUES). */
export const DEFAULT_NULL_VALUES: readonly string[] = [
  "",
  "#N/A",
  "#N/A N/A",
  "#NA",
  "-1.#IND",
  "-1.#QNAN",
  "-NaN",
  "-nan",
  "1.#IND",
  "1.#QNAN",
  "<NA>",
  "N/A",
  "NA",
  "NULL",
  "NaN",
  "None",
  "n/a",
  "nan",
  "null",
];

/** pandas' default true_values / false_values of the C parser. */
export const TRUE_VALUES: readonly string[] = ["True", "TRUE", "true"];
export const FALSE_VALUES: readonly string[] = ["False", "FALSE", "false"];

// Exact powers of ten: every 10^k with k <= 22 is a double (5^22 < 2^53).
const POW10 = new Float64Array(23);
for (let k = 0, p = 1; k <= 22; k++, p *= 10) POW10[k] = p;

const TWO53 = 9007199254740992;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
// Veltkamp's splitting constant 2^27 + 1: splits a double into two halves whose products are exact.
const SPLIT = 134217729;
// 2^-90: a bound far above the error of the double-double paths (under 2^-99 of the value) and far below half
// an ulp (2^-53 of the value), so a rounding that survives a nudge of this size is the correct rounding.
const NUDGE = 2 ** -90;

/** The rounding error of p = a * b (so a * b = p + error exactly), by Dekker's product. */
function productError(a: number, b: number, p: number): number {
  const ca = SPLIT * a;
  const ah = ca - (ca - a);
  const al = a - ah;
  const cb = SPLIT * b;
  const bh = cb - (cb - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

/** The bytes as text, one char per byte: only used for number syntax (ASCII), where it is exact. */
function asciiText(b: Uint8Array, start: number, end: number): string {
  let s = "";
  for (let i = start; i < end; i++) s += String.fromCharCode(b[i]!);
  return s;
}

/**
 * Reads numbers from bytes. One instance per reader; besides its outputs (`end`, `bigint`) it keeps no state
 * between calls.
 */
export class NumberScanner {
  /** Offset just past the last number scanned and the blanks after it. */
  end = 0;
  /** The value of the last TAG_BIGINT result. */
  bigint = 0n;
  /** Whether a tab counts as a blank around a number (not when it is the delimiter). */
  private readonly tabIsBlank: boolean;

  /** @param delimiter the byte that ends a field, if any: it is never skipped as a blank. */
  constructor(delimiter = -1) {
    this.tabIsBlank = delimiter !== 9;
  }

  /**
   * Parses a number at b[start], stopping at `limit` or at the first byte that cannot continue it; `end` is then
   * where it stopped (after trailing blanks). The caller decides whether the field ends there (a delimiter, a
   * line end, `limit`). Writes the value to `out[at]` and returns its tag (TAG_INT32, TAG_INT, TAG_FLOAT,
   * TAG_BIGINT), or TAG_NONE when no number starts at `start`. A prefix that cannot be completed ("1e", "1.5e+")
   * is TAG_NONE too.
   */
  scan(b: Uint8Array, start: number, limit: number, out: Float64Array, at: number): number {
    const tabIsBlank = this.tabIsBlank;
    let p = start;
    let c = p < limit ? b[p]! : -1;
    while (c === 32 || (c === 9 && tabIsBlank)) c = ++p < limit ? b[p]! : -1;
    let neg = false;
    if (c === 45) {
      neg = true;
      p++;
    } else if (c === 43) p++;

    // Every digit goes into m. While m stays below 2^53 every step was exact (the steps only grow), so m is the
    // exact significand; otherwise wide() re-reads the digits. Leading zeros add nothing.
    let m = 0;
    let d = 0;
    const intStart = p;
    for (; p < limit; p++) {
      d = b[p]! - 48;
      if (d < 0 || d > 9) break;
      m = m * 10 + d;
    }
    const intEnd = p;
    let fracStart = p;
    let fracEnd = p;
    let isInt = true;
    if (p < limit && b[p] === 46) {
      isInt = false;
      fracStart = ++p;
      for (; p < limit; p++) {
        d = b[p]! - 48;
        if (d < 0 || d > 9) break;
        m = m * 10 + d;
      }
      fracEnd = p;
    }
    if (intEnd === intStart && fracEnd === fracStart) return TAG_NONE;
    let exp = 0;
    if (p < limit && (b[p]! | 32) === 101) {
      isInt = false;
      p++;
      let eneg = false;
      c = p < limit ? b[p]! : -1;
      if (c === 45) {
        eneg = true;
        p++;
      } else if (c === 43) p++;
      const first = p;
      for (; p < limit; p++) {
        d = b[p]! - 48;
        if (d < 0 || d > 9) break;
        // Capped: an exponent this large is out of range anyway, and the slow path reads the text.
        if (exp < 100000) exp = exp * 10 + d;
      }
      if (p === first) return TAG_NONE;
      if (eneg) exp = -exp;
    }
    while (p < limit && ((c = b[p]!) === 32 || (c === 9 && tabIsBlank))) p++;
    this.end = p;

    if (!(m < TWO53))
      return this.wide(b, start, intStart, intEnd, fracStart, fracEnd, exp, isInt, neg, out, at);
    if (isInt) {
      const v = m === 0 ? 0 : neg ? -m : m;
      out[at] = v;
      return (v | 0) === v ? TAG_INT32 : TAG_INT;
    }
    const e10 = exp - (fracEnd - fracStart);
    let v: number;
    if (m === 0 || e10 === 0) v = m;
    else if (e10 < 0) {
      if (e10 < -22) return this.slowFloat(b, start, out, at);
      v = m / POW10[-e10]!;
    } else if (e10 <= 22) v = m * POW10[e10]!;
    else {
      // Clinger's extension: a small significand absorbs part of the exponent exactly.
      if (e10 > 22 + 15) return this.slowFloat(b, start, out, at);
      const t = m * POW10[e10 - 22]!;
      if (!(t < TWO53)) return this.slowFloat(b, start, out, at);
      v = t * 1e22;
    }
    out[at] = neg ? -v : v;
    return TAG_FLOAT;
  }

  /** A significand of 2^53 or more: exact for up to 19 significant digits via double-double, else the text. */
  private wide(
    b: Uint8Array,
    start: number,
    intStart: number,
    intEnd: number,
    fracStart: number,
    fracEnd: number,
    exp: number,
    isInt: boolean,
    neg: boolean,
    out: Float64Array,
    at: number,
  ): number {
    if (isInt) return this.slowInt(b, start, out, at);
    // The significand as hi (first 15 significant digits) and lo (the next nlo <= 4); digits beyond only shift
    // the exponent, and make the value inexact unless they are zeros.
    let hi = 0;
    let nhi = 0;
    let lo = 0;
    let nlo = 0;
    let e10 = exp;
    for (let p = intStart; p < intEnd; p++) {
      const d = b[p]! - 48;
      if (nhi < 15) {
        if (nhi !== 0 || d !== 0) {
          hi = hi * 10 + d;
          nhi++;
        }
      } else if (nlo < 4) {
        lo = lo * 10 + d;
        nlo++;
      } else {
        e10++;
        if (d !== 0) return this.slowFloat(b, start, out, at);
      }
    }
    for (let p = fracStart; p < fracEnd; p++) {
      const d = b[p]! - 48;
      if (nhi < 15) {
        if (nhi !== 0 || d !== 0) {
          hi = hi * 10 + d;
          nhi++;
        }
        e10--;
      } else if (nlo < 4) {
        lo = lo * 10 + d;
        nlo++;
        e10--;
      } else if (d !== 0) return this.slowFloat(b, start, out, at);
    }
    if (e10 < -22 || e10 > 22) return this.slowFloat(b, start, out, at);
    // hi * 10^nlo + lo (< 10^19) as mh + ml exactly: the product with its error term (an integer, as is lo, so
    // their sum is exact), then a Fast2Sum.
    const scale = POW10[nlo]!;
    const ph = hi * scale;
    const s = productError(hi, scale, ph) + lo;
    const mh = ph + s;
    const ml = s - (mh - ph);
    let approx: number;
    let rest: number;
    if (e10 >= 0) {
      const pw = POW10[e10]!;
      approx = mh * pw;
      rest = productError(mh, pw, approx) + ml * pw;
    } else {
      const dv = POW10[-e10]!;
      approx = mh / dv;
      // The remainder m - approx * dv: mh - h is exact (Sterbenz), the two small terms add little error.
      const h = approx * dv;
      rest = (mh - h - productError(approx, dv, h) + ml) / dv;
    }
    const nudge = approx * NUDGE;
    const v = approx + (rest - nudge);
    if (v !== approx + (rest + nudge)) return this.slowFloat(b, start, out, at);
    out[at] = neg ? -v : v;
    return TAG_FLOAT;
  }

  private slowFloat(b: Uint8Array, start: number, out: Float64Array, at: number): number {
    out[at] = Number(asciiText(b, start, this.end));
    return TAG_FLOAT;
  }

  private slowInt(b: Uint8Array, start: number, out: Float64Array, at: number): number {
    const text = asciiText(b, start, this.end);
    const n = Number(text);
    // A double at or below 2^53 - 1 can only come from that exact integer.
    if (Number.isSafeInteger(n)) {
      out[at] = n === 0 ? 0 : n;
      return (n | 0) === n ? TAG_INT32 : TAG_INT;
    }
    out[at] = n;
    const v = BigInt(text.trim());
    if (v < INT64_MIN || v > INT64_MAX) return TAG_INT;
    this.bigint = v;
    return TAG_BIGINT;
  }
}

/** Whether a number scan from `start` covers exactly b[start, end) (a whole field). */
export function scanWhole(
  scanner: NumberScanner,
  b: Uint8Array,
  start: number,
  end: number,
  out: Float64Array,
  at: number,
): number {
  const tag = scanner.scan(b, start, end, out, at);
  return tag !== TAG_NONE && scanner.end === end ? tag : TAG_NONE;
}

/** Decides what non-numeric field text means: null, boolean, infinity or string. */
export class TextClassifier {
  /** Whether an empty field is null (it is with the default NA strings). */
  readonly emptyIsNull: boolean;
  /**
   * NA strings that have number syntax (say "-999"): numbers must then be checked against them too, which the
   * default list never requires. Null when there are none.
   */
  readonly numericNulls: ReadonlySet<string> | null;
  /** The longest entry of numericNulls, so longer numbers skip the lookup. */
  readonly numericNullMaxBytes: number;
  private readonly special = new Map<string, number>();
  /** By first byte: whether a field starting with it may be an NA, boolean or infinity spelling. */
  private readonly firstBytes = new Uint8Array(256);

  constructor(nullValues: readonly string[] = DEFAULT_NULL_VALUES) {
    for (const t of TRUE_VALUES) this.special.set(t, TAG_TRUE);
    for (const f of FALSE_VALUES) this.special.set(f, TAG_FALSE);
    // NA wins over booleans and numbers, as in pandas (NA strings are matched first).
    const numeric = new Set<string>();
    const scanner = new NumberScanner();
    const scratch = new Float64Array(1);
    const encoder = new TextEncoder();
    let maxBytes = 0;
    for (const v of nullValues) {
      this.special.set(v, TAG_NULL);
      const bytes = encoder.encode(v);
      if (scanWhole(scanner, bytes, 0, bytes.length, scratch, 0) !== TAG_NONE) {
        numeric.add(v);
        maxBytes = Math.max(maxBytes, bytes.length);
      }
    }
    for (const text of [...this.special.keys(), "inf", "INF", "+", "-"]) {
      // Only the first UTF-8 byte matters (for non-ASCII text the caller decodes and looks it up anyway).
      if (text !== "") this.firstBytes[encoder.encode(text)[0]!] = 1;
    }
    this.emptyIsNull = nullValues.includes("");
    this.numericNulls = numeric.size > 0 ? numeric : null;
    this.numericNullMaxBytes = maxBytes;
  }

  /** False when no NA, boolean or infinity spelling starts with this byte (the field is then a string). */
  mayBeSpecial(firstByte: number): boolean {
    return this.firstBytes[firstByte] === 1;
  }

  /** Whether a field with number syntax is nevertheless one of the NA strings. */
  isNumericNull(text: string): boolean {
    return this.numericNulls !== null && this.numericNulls.has(text);
  }

  /**
   * The tag of a field's text that is not a number by syntax: TAG_NULL, TAG_TRUE, TAG_FALSE, TAG_FLOAT (an
   * infinity, whose value is written to out[at]) or TAG_STRING.
   */
  classify(text: string, out: Float64Array, at: number): number {
    const tag = this.special.get(text);
    if (tag !== undefined) return tag;
    const inf = infinityOf(text);
    if (inf !== 0) {
      out[at] = inf;
      return TAG_FLOAT;
    }
    return TAG_STRING;
  }
}

/**
 * +-Infinity for pandas' infinity spellings (inf, infinity, optionally signed, any letter case; no blanks), else
 * 0.
 */
export function infinityOf(text: string): number {
  const n = text.length;
  if (n !== 3 && n !== 4 && n !== 8 && n !== 9) return 0;
  const c = text.charCodeAt(0);
  const signed = c === 43 || c === 45;
  const body = (signed ? text.slice(1) : text).toLowerCase();
  if (body !== "inf" && body !== "infinity") return 0;
  return c === 45 ? -Infinity : Infinity;
}
