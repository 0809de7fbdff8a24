// A lossless JSON form of workload results, applied on both sides (inside the browser bundle and in the Node
// test) so the comparison is exact: bytes become base64, and the numbers JSON cannot carry (NaN, ±Infinity,
// -0) and bigints become tagged strings. Runs in browsers too, so it uses no Node API (btoa, not Buffer).

export type Wire = null | boolean | number | string | Wire[] | { [key: string]: Wire };

function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/** Decodes the `$bytes` field of a wire value. */
export function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function wireNumber(x: number): Wire {
  if (Number.isFinite(x) && !Object.is(x, -0)) return x;
  return { $number: Object.is(x, -0) ? "-0" : String(x) };
}

/** Encodes `value` as JSON-safe data that distinguishes everything `toEqual` on the original would. */
export function toWire(value: unknown): Wire {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return wireNumber(value);
    case "bigint":
      return { $bigint: value.toString() };
    case "undefined":
      return { $undefined: true };
    case "object":
      break;
    default:
      throw new TypeError(`toWire: cannot encode a ${typeof value}`);
  }
  if (value === null) return null;
  if (value instanceof Uint8Array) return { $bytes: bytesToBase64(value) };
  if (ArrayBuffer.isView(value)) {
    const typed = value as unknown as ArrayLike<number | bigint>;
    return { $typed: value.constructor.name, values: Array.from(typed, toWire) };
  }
  if (Array.isArray(value)) return value.map(toWire);
  if (value instanceof Map) return { $map: [...value].map(([k, v]) => [toWire(k), toWire(v)]) };
  if (value instanceof Set) return { $set: [...value].map(toWire) };
  if (value instanceof Date) return { $date: wireNumber(value.getTime()) };
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto !== Object.prototype && proto !== null) {
    throw new TypeError(`toWire: cannot encode an instance of ${value.constructor.name}; return plain data`);
  }
  const out: { [key: string]: Wire } = {};
  for (const [k, v] of Object.entries(value)) out[k] = toWire(v);
  return out;
}
