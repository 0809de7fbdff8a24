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
