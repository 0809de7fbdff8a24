// LZ4 decoding: frames (https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md) for Arrow IPC buffers
// compressed with LZ4_FRAME, which is what Feather v2 files use by default, and raw blocks for Parquet's
// LZ4_RAW. apache-arrow decodes no LZ4 at all; hyparquet-compressors has blocks only, and its block decoder
// rejects a block whose last token has no literals (pyarrow writes such pages for all-null columns).
//
// Blocks of one frame may refer back into earlier blocks (linked mode, LZ4F's default), so all blocks decode
// into one growing output. Every length and back-reference is checked: corrupt input throws, never reads or
// writes out of bounds.

const FRAME_MAGIC = 0x184d2204;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const BLOCK_MAX = [0, 0, 0, 0, 1 << 16, 1 << 18, 1 << 20, 1 << 22];

class Output {
  bytes: Uint8Array;
  length = 0;

  constructor(capacity: number) {
    this.bytes = new Uint8Array(Math.max(capacity, 64));
  }

  reserve(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(needed, this.bytes.length * 2));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }
}

function corrupt(what: string): Error {
  return new Error(`corrupt LZ4 frame: ${what}`);
}

function readU32(input: Uint8Array, at: number): number {
  if (at + 4 > input.length) throw corrupt("it ends inside a length field");
  return (input[at]! | (input[at + 1]! << 8) | (input[at + 2]! << 16) | (input[at + 3]! << 24)) >>> 0;
}

/** Decodes one raw LZ4 block that inflates to exactly `outputLength` bytes (Parquet LZ4_RAW pages). */
export function decodeLz4Block(input: Uint8Array, outputLength: number): Uint8Array {
  const out = new Output(outputLength);
  decodeBlock(input, 0, input.length, out, outputLength);
  if (out.length !== outputLength)
    throw corrupt(`a block inflated to ${out.length} bytes, not ${outputLength}`);
  return out.bytes.subarray(0, outputLength);
}

/** Decodes one or more concatenated LZ4 frames (skippable frames are skipped). */
export function decodeLz4Frames(input: Uint8Array): Uint8Array {
  const out = new Output(input.length * 3);
  let at = 0;
  while (at < input.length) {
    const magic = readU32(input, at);
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      at += 8 + readU32(input, at + 4);
      continue;
    }
    if (magic !== FRAME_MAGIC) throw corrupt(`bad magic number 0x${magic.toString(16)}`);
    at = decodeFrame(input, at + 4, out);
  }
  return out.bytes.subarray(0, out.length);
}

function decodeFrame(input: Uint8Array, start: number, out: Output): number {
  let at = start;
  if (at + 3 > input.length) throw corrupt("truncated frame header");
  const flags = input[at++]!;
  const bd = input[at++]!;
  if (flags >> 6 !== 1) throw corrupt(`unsupported version ${flags >> 6}`);
  if (flags & 0x01) throw corrupt("frames that need a dictionary are not supported");
  const blockChecksums = (flags & 0x10) !== 0;
  const contentSizeFlag = (flags & 0x08) !== 0;
  const contentChecksum = (flags & 0x04) !== 0;
  const blockMax = BLOCK_MAX[(bd >> 4) & 7]!;
  if (blockMax === 0) throw corrupt(`invalid block size code ${(bd >> 4) & 7}`);
  if (contentSizeFlag) {
    const low = readU32(input, at);
    const high = readU32(input, at + 4);
    at += 8;
    // Only a hint for the allocation, and never more than the input could plausibly inflate to.
    const size = high * 2 ** 32 + low;
    out.reserve(Math.min(size, (input.length - at) * 255 + 64));
  }
  at += 1; // header checksum (xxHash32 of the descriptor; the Arrow buffer length is checked afterwards)
  for (;;) {
    const word = readU32(input, at);
    at += 4;
    if (word === 0) break; // end mark
    const size = word & 0x7fffffff;
    if (size > blockMax) throw corrupt(`a block of ${size} bytes exceeds the frame's ${blockMax}`);
    if (at + size > input.length) throw corrupt("it ends inside a block");
    out.reserve(blockMax);
    if (word & 0x80000000) {
      out.bytes.set(input.subarray(at, at + size), out.length);
      out.length += size;
    } else {
      decodeBlock(input, at, at + size, out, out.length + blockMax);
    }
    at += size + (blockChecksums ? 4 : 0);
  }
  return at + (contentChecksum ? 4 : 0);
}

/** One LZ4 block (sequences of literals and back-references) from input[from, to) appended to `out`. */
function decodeBlock(input: Uint8Array, from: number, to: number, out: Output, limit: number): void {
  const bytes = out.bytes;
  let o = out.length;
  let i = from;
  while (i < to) {
    const token = input[i++]!;
    let literals = token >> 4;
    if (literals === 15) {
      let b: number;
      do {
        if (i >= to) throw corrupt("it ends inside a literal length");
        b = input[i++]!;
        literals += b;
      } while (b === 255);
    }
    if (i + literals > to || o + literals > limit) throw corrupt("a literal run overflows its block");
    bytes.set(input.subarray(i, i + literals), o);
    i += literals;
    o += literals;
    if (i === to) break; // the last sequence has literals only
    if (i + 2 > to) throw corrupt("it ends inside a match offset");
    const offset = input[i]! | (input[i + 1]! << 8);
    i += 2;
    if (offset === 0 || offset > o) throw corrupt(`a match refers ${offset} bytes back from ${o}`);
    let match = token & 15;
    if (match === 15) {
      let b: number;
      do {
        if (i >= to) throw corrupt("it ends inside a match length");
        b = input[i++]!;
        match += b;
      } while (b === 255);
    }
    match += 4;
    if (o + match > limit) throw corrupt("a match overflows its block");
    if (offset >= match) {
      bytes.copyWithin(o, o - offset, o - offset + match);
      o += match;
    } else {
      // An overlapping match repeats the pattern it is producing: byte by byte.
      let p = o - offset;
      const end = o + match;
      while (o < end) bytes[o++] = bytes[p++]!;
    }
  }
  out.length = o;
}
