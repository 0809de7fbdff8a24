// String forms whylogs feeds to the frequent-items sketch for numbers and booleans, so that identical data
// yields identical frequent items in both implementations.

const TWO_POW_53 = 2 ** 53;

/**
 * C's `printf("%f", x)` (what `std::to_string(double)` produces in whylogs' C++ sketch wrappers): six
 * fractional digits of the exact binary value, ties rounded half to even, no exponent, `inf`/`-inf`/`nan`.
 */
export function formatFixed6(x: number): string {
  if (x !== x) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  const negative = x < 0 || Object.is(x, -0);
  const a = Math.abs(x);
  let body: string;
  if (a >= 1e21) {
    // toFixed switches to exponent notation here; the value is an integer, so print it exactly.
    body = `${BigInt(a).toString()}.000000`;
  } else {
    body = a.toFixed(6);
    // toFixed rounds exact ties away from zero, glibc to even. A tie means a·10^6 ends in exactly .5,
    // which for a binary double happens iff a·128 is an odd integer (then a has 7 decimals ending in 5).
    const scaled = a * 128;
    if (a < TWO_POW_53 && Number.isInteger(scaled) && scaled % 2 === 1) {
      const seven = a.toFixed(7); // exact: a = j/128 has at most 7 decimals
      const truncated = seven.slice(0, -1);
      const lastKept = truncated.charCodeAt(truncated.length - 1) - 48;
      body = lastKept % 2 === 0 ? truncated : incrementDecimal(truncated);
    }
  }
  return negative ? `-${body}` : body;
}

/** Adds one unit in the last place to a non-negative decimal string such as "12.999999". */
function incrementDecimal(s: string): string {
  const digits = s.split("");
  for (let i = digits.length - 1; i >= 0; i--) {
    const c = digits[i]!;
    if (c === ".") continue;
    if (c !== "9") {
      digits[i] = String.fromCharCode(c.charCodeAt(0) + 1);
      return digits.join("");
    }
    digits[i] = "0";
  }
  return `1${digits.join("")}`;
}

/**
 * Python's `s[:limit]` on a str: the first `limit` code points (surrogate pairs count once). Strings that
 * are short in UTF-16 units are returned as they are without scanning.
 */
export function truncateCodePoints(s: string, limit: number): string {
  if (s.length <= limit) return s;
  let units = 0;
  for (let points = 0; points < limit && units < s.length; points++) {
    const c = s.charCodeAt(units);
    units +=
      c >= 0xd800 && c <= 0xdbff && units + 1 < s.length && (s.charCodeAt(units + 1) & 0xfc00) === 0xdc00
        ? 2
        : 1;
  }
  return units >= s.length ? s : s.slice(0, units);
}

/**
 * Decimal text of an integer-valued double, as C++ `std::to_string(int64_t)` prints the same int64: every digit
 * exact (JavaScript's `String(2 ** 60)` prints "1152921504606847000"). Also much faster than `String()` for
 * values beyond int32, which take V8's general double-to-text path.
 */
export function formatInt64(v: number): string {
  if ((v | 0) === v) return String(v);
  const a = v < 0 ? -v : v;
  let text: string;
  if (a < TWO_POW_53) {
    // Two exact halves below 10^8: a = hi·10^8 + lo (hi < 2^31, so both print on V8's small-integer path).
    let hi = Math.floor(a / 1e8);
    let lo = a - hi * 1e8;
    if (lo < 0) {
      hi--;
      lo += 1e8;
    } else if (lo >= 1e8) {
      hi++;
      lo -= 1e8;
    }
    text = hi === 0 ? String(lo) : String(hi) + String(lo).padStart(8, "0");
  } else {
    text = BigInt(a).toString();
  }
  return v < 0 ? `-${text}` : text;
}
