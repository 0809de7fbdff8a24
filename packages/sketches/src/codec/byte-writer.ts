/** Little-endian writer into a buffer of known final size (sketch images are sized up front). */
export class ByteWriter {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  offset = 0;

  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }

  u8(v: number): void {
    this.view.setUint8(this.offset++, v);
  }

  u16(v: number): void {
    this.view.setUint16(this.offset, v, true);
    this.offset += 2;
  }

  u32(v: number): void {
    this.view.setUint32(this.offset, v >>> 0, true);
    this.offset += 4;
  }

  i32(v: number): void {
    this.view.setInt32(this.offset, v, true);
    this.offset += 4;
  }

  /** A non-negative integer below 2^53 as an unsigned 64-bit field. */
  u64(v: number): void {
    this.view.setUint32(this.offset, v % 4294967296, true);
    this.view.setUint32(this.offset + 4, Math.floor(v / 4294967296), true);
    this.offset += 8;
  }

  f64(v: number): void {
    this.view.setFloat64(this.offset, v, true);
    this.offset += 8;
  }

  f32(v: number): void {
    this.view.setFloat32(this.offset, v, true);
    this.offset += 4;
  }

  raw(src: Uint8Array): void {
    this.bytes.set(src, this.offset);
    this.offset += src.byteLength;
  }

  zeros(count: number): void {
    this.offset += count;
  }
}
