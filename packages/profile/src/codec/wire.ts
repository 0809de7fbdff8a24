// Byte-level helpers shared by the codecs: varints, length-delimited framing, protobuf parsing with typed
// errors, and the string ordering whylogs uses. Browser-safe: Uint8Array and plain numbers only.

import { fromBinary, toBinary } from "@bufbuild/protobuf";
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { ProfileError } from "../errors.js";
import type { ProfileErrorKind } from "../errors.js";

/** Longest encoding of a 64-bit varint. */
const MAX_VARINT_BYTES = 10;

/** An unsigned varint and the offset just after it. */
export interface Varint {
  readonly value: number;
  readonly next: number;
}

/**
 * Reads an unsigned base-128 varint at `pos`, not reading at or past `end`.
 * @throws ProfileError `truncated` (the varint runs into `end`; kind `overrun` if given) or `malformed`
 * (longer than 10 bytes, or a value above 2^53 − 1, which no length or offset in a real file reaches).
 */
export function readVarint(
  bytes: Uint8Array,
  pos: number,
  end: number,
  what: string,
  overrun: ProfileErrorKind = "truncated",
): Varint {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < MAX_VARINT_BYTES; i++) {
    if (pos + i >= end) {
      throw new ProfileError(overrun, `${what}: the length prefix runs past the end of the data`, {
        offset: pos,
      });
    }
    const b = bytes[pos + i]!;
    value += (b & 0x7f) * scale;
    if (b < 0x80) {
      if (!Number.isSafeInteger(value)) {
        throw new ProfileError("malformed", `${what}: length ${value} is not a usable size`, { offset: pos });
      }
      return { value, next: pos + i + 1 };
    }
    scale *= 128;
  }
  throw new ProfileError("malformed", `${what}: the length prefix is longer than ${MAX_VARINT_BYTES} bytes`, {
    offset: pos,
  });
}

/** Like {@link readVarint} but returns null instead of throwing (used to sniff formats). */
export function peekVarint(bytes: Uint8Array, pos: number): Varint | null {
  try {
    return readVarint(bytes, pos, bytes.length, "varint");
  } catch {
    return null;
  }
}

/** A varint-length-prefixed message body located in a buffer. */
export interface Delimited {
  /** Offset of the length prefix. */
  readonly offset: number;
  /** Offset of the first body byte. */
  readonly bodyOffset: number;
  /** The body (a view, not a copy). */
  readonly body: Uint8Array;
  /** Offset just after the body. */
  readonly next: number;
}

/**
 * Locates the varint-delimited message at `pos`; the declared length is checked against `end` before anything
 * is sliced. `overrun` is the error kind when it does not fit: `truncated` at the end of the input,
 * `malformed` inside a region whose own size was declared (e.g. a chunk running past the chunk area).
 */
export function readDelimited(
  bytes: Uint8Array,
  pos: number,
  end: number,
  what: string,
  overrun: ProfileErrorKind = "truncated",
): Delimited {
  const len = readVarint(bytes, pos, end, what, overrun);
  if (len.value > end - len.next) {
    throw new ProfileError(
      overrun,
      `${what}: declares ${len.value} bytes but only ${end - len.next} remain`,
      { offset: pos },
    );
  }
  const next = len.next + len.value;
  return { offset: pos, bodyOffset: len.next, body: bytes.subarray(len.next, next), next };
}

/** Appends the varint encoding of a non-negative safe integer. */
export function pushVarint(out: number[], value: number): void {
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

/** The varint encoding of `value` followed by `body`. */
export function delimit(body: Uint8Array): Uint8Array {
  const prefix: number[] = [];
  pushVarint(prefix, body.length);
  const out = new Uint8Array(prefix.length + body.length);
  out.set(prefix, 0);
  out.set(body, prefix.length);
  return out;
}

/** Concatenates byte arrays into one new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** True when `bytes[pos..pos+magic.length)` equals `magic`. */
export function hasMagic(bytes: Uint8Array, pos: number, magic: Uint8Array): boolean {
  if (bytes.length - pos < magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (bytes[pos + i] !== magic[i]) return false;
  return true;
}

/**
 * Parses one protobuf message, turning any protobuf-es failure into a ProfileError at `offset` (the first
 * byte of the message in the input). A premature end inside the message is `eofKind` (`truncated` when the
 * message runs to the end of the input, `malformed` when its length was declared by a prefix); every other
 * failure is `malformed`. Unknown fields are skipped, not retained, unless `keepUnknownFields`.
 */
export function parseMessage<Desc extends DescMessage>(
  schema: Desc,
  body: Uint8Array,
  offset: number,
  what: string,
  eofKind: ProfileErrorKind = "malformed",
  keepUnknownFields = false,
): MessageShape<Desc> {
  try {
    return fromBinary(schema, body, { readUnknownFields: keepUnknownFields });
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    const kind: ProfileErrorKind = /premature EOF|outside the bounds/i.test(detail) ? eofKind : "malformed";
    throw new ProfileError(kind, `${what} is not valid protobuf: ${detail}`, { offset, cause: e });
  }
}

/** Serializes one protobuf message; a failure means the caller passed an unencodable value. */
export function serializeMessage<Desc extends DescMessage>(
  schema: Desc,
  message: MessageShape<Desc>,
  what: string,
): Uint8Array {
  try {
    return toBinary(schema, message);
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    throw new ProfileError("invalid-argument", `${what} cannot be encoded: ${detail}`, { cause: e });
  }
}

/**
 * Orders strings by Unicode code point, as Python's `sorted()` (and UTF-8 byte order) does. Plain JS string
 * comparison orders UTF-16 code units, which differs when a surrogate (an astral character, U+10000 and up)
 * meets a BMP character in U+E000–U+FFFF: code-point order puts the astral character last. Remapping the code
 * unit ranges [D800, DFFF] → [F800, FFFF] and [E000, FFFF] → [D800, F7FF] at the first difference fixes that;
 * two surrogates keep their relative order. Strings must be well formed (no lone surrogates).
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit <= 0xdfff ? unit + 0x2000 : unit - 0x800;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when `s` is valid UTF-16 (so it has a UTF-8 encoding protobuf can carry unchanged). */
export function isWellFormed(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

/** Converts a protobuf 64-bit unsigned/signed value to a safe JS number, or throws `malformed`. */
export function toSafeNumber(value: bigint, what: string, offset: number): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new ProfileError("malformed", `${what} ${value} is outside the exactly representable range`, {
      offset,
    });
  }
  return Number(value);
}
