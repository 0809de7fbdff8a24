// How Python's str() spells values, which is how whylogs spells segment keys.

/**
 * How whylogs spells a segment key value: Python `str()` of the value pandas groups by — `True`, `1.0` for
 * floats, `inf`, `1e-05` — and `nan` for a missing value (pandas groups None, NaN and NaT as NaN).
 */
export function pythonStr(v: unknown, fractional: boolean): string {
  if (v === null || v === undefined) return "nan";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") {
    if (v !== v) return "nan";
    if (v === Infinity) return "inf";
    if (v === -Infinity) return "-inf";
    if (!fractional && Number.isInteger(v)) return String(v);
    return pythonFloatRepr(v);
  }
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? "NaT" : v.toISOString();
  return String(v);
}

/** Python `repr(float)`: shortest round-trip digits, positional for 1e-4 ≤ |x| < 1e16, else exponent. */
export function pythonFloatRepr(x: number): string {
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const exp = x.toExponential(); // shortest round-trip digits, e.g. "1.2345e+2"
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(exp)!;
  const sign = m[1]!;
  const digits = m[2]! + (m[3] ?? "");
  const e = Number(m[4]);
  if (e >= -4 && e < 16) {
    if (e < 0) return `${sign}0.${"0".repeat(-e - 1)}${digits}`;
    const intPart = digits.slice(0, e + 1).padEnd(e + 1, "0");
    const frac = digits.slice(e + 1);
    return `${sign}${intPart}.${frac === "" ? "0" : frac}`;
  }
  const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const ee = Math.abs(e) < 10 ? `0${Math.abs(e)}` : String(Math.abs(e));
  return `${sign}${mant}e${e < 0 ? "-" : "+"}${ee}`;
}
