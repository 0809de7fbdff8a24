import { SketchError } from "../errors.js";

/**
 * Bounds-checked little-endian reader over a serialized sketch image. Every read names the field
 * it wants so a truncated image yields a message like
 * `kll: truncated image: need 8 bytes for "n" at byte 8, have 4`.
 */
export class ByteReader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly #context: string;
  offset = 0;

  constructor(bytes: Uint8Array, context: string) {
    if (!(bytes instanceof Uint8Array)) {
      throw new SketchError("invalid-argument", `${context}: expected a Uint8Array, got ${describe(bytes)}`);
    }
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#context = context;
  }

  get length(): number {
    return this.bytes.byteLength;
  }

  get remaining(): number {
    return this.bytes.byteLength - this.offset;
  }

  /** Throws `truncated` unless `count` more bytes are available at the current offset. */
  need(count: number, field: string): void {
    if (count < 0 || this.offset + count > this.bytes.byteLength) {
      throw new SketchError(
        "truncated",
        `${this.#context}: truncated image: need ${count} bytes for "${field}", have ${Math.max(0, this.remaining)}`,
        this.offset,
      );
    }
  }

  u8(field: string): number {
    this.need(1, field);
    return this.view.getUint8(this.offset++);
  }

  u16(field: string): number {
    this.need(2, field);
    const v = this.view.getUint16(this.offset, true);
    this.offset += 2;
    return v;
  }

  u32(field: string): number {
    this.need(4, field);
    const v = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return v;
  }

  i32(field: string): number {
    this.need(4, field);
    const v = this.view.getInt32(this.offset, true);
    this.offset += 4;
    return v;
  }

  /**
   * An unsigned 64-bit count as a JS number. Counts above 2^53 cannot be represented exactly and
   * are rejected as corrupt rather than silently rounded.
   */
  u64(field: string): number {
    this.need(8, field);
    const lo = this.view.getUint32(this.offset, true);
    const hi = this.view.getUint32(this.offset + 4, true);
    if (hi > 0x1fffff) {
      throw new SketchError("corrupt", `${this.#context}: "${field}" exceeds 2^53`, this.offset);
    }
    this.offset += 8;
    return hi * 4294967296 + lo;
  }

  f64(field: string): number {
    this.need(8, field);
    const v = this.view.getFloat64(this.offset, true);
    this.offset += 8;
    return v;
  }

  f32(field: string): number {
    this.need(4, field);
    const v = this.view.getFloat32(this.offset, true);
    this.offset += 4;
    return v;
  }

  /** A view (not a copy) of the next `count` bytes. */
  slice(count: number, field: string): Uint8Array {
    this.need(count, field);
    const out = this.bytes.subarray(this.offset, this.offset + count);
    this.offset += count;
    return out;
  }

  skip(count: number, field: string): void {
    this.need(count, field);
    this.offset += count;
  }

  /** Throws `corrupt` if bytes remain after the image (C++ byte-array readers reject them too). */
  expectEnd(): void {
    if (this.offset !== this.bytes.byteLength) {
      throw new SketchError(
        "corrupt",
        `${this.#context}: ${this.bytes.byteLength - this.offset} unexpected trailing bytes after the image`,
        this.offset,
      );
    }
  }

  /** A `corrupt` error at the current offset, for checks the caller makes on decoded values. */
  corrupt(message: string, offset = this.offset): SketchError {
    return new SketchError("corrupt", `${this.#context}: ${message}`, offset);
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return (value as object).constructor?.name ?? "object";
  return typeof value;
}
