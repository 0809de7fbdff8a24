// Just enough of the ZIP format to read what whylogs uploads with `write(zip=True)`: one profile file per
// segment, stored or deflated. Every offset and length is checked against the bytes present.
import { inflateRawSync } from "node:zlib";
import { ApiError } from "../errors.js";

const MAX_ENTRIES = 10_000;

function bad(reason: string): ApiError {
  return new ApiError("invalid-profile", `not a readable zip of profiles: ${reason}`);
}

export function isZip(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04
  );
}

/** The files of a zip archive, in central-directory order. */
export function unzip(bytes: Uint8Array, maxTotalBytes: number): { name: string; bytes: Uint8Array }[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // End of central directory: the last 22+ bytes (a trailing comment up to 64 KiB).
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65_535); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw bad("no end-of-central-directory record (truncated?)");
  const count = view.getUint16(eocd + 10, true);
  const dirOffset = view.getUint32(eocd + 16, true);
  if (count > MAX_ENTRIES) throw bad(`${count} entries (at most ${MAX_ENTRIES})`);
  const files: { name: string; bytes: Uint8Array }[] = [];
  let total = 0;
  let p = dirOffset;
  for (let n = 0; n < count; n++) {
    if (p + 46 > bytes.length || view.getUint32(p, true) !== 0x02014b50)
      throw bad(`central directory entry ${n} at byte ${p} is damaged`);
    const method = view.getUint16(p + 10, true);
    const compressed = view.getUint32(p + 20, true);
    const size = view.getUint32(p + 24, true);
    const nameLength = view.getUint16(p + 28, true);
    const extraLength = view.getUint16(p + 30, true);
    const commentLength = view.getUint16(p + 32, true);
    const local = view.getUint32(p + 42, true);
    if (p + 46 + nameLength > bytes.length) throw bad(`entry ${n}'s name runs past the end`);
    const name = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLength));
    p += 46 + nameLength + extraLength + commentLength;
    if (name.endsWith("/")) continue;
    if (local + 30 > bytes.length || view.getUint32(local, true) !== 0x04034b50)
      throw bad(`local header of ${name} at byte ${local} is damaged`);
    const dataStart = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    if (dataStart + compressed > bytes.length) throw bad(`${name} is truncated`);
    total += size;
    if (total > maxTotalBytes)
      throw new ApiError("payload-too-large", `the zip expands past ${maxTotalBytes} bytes`);
    const data = bytes.subarray(dataStart, dataStart + compressed);
    let content: Uint8Array;
    if (method === 0) content = data;
    else if (method === 8) {
      try {
        content = inflateRawSync(data, { maxOutputLength: Math.max(1, size) });
      } catch (e) {
        throw bad(`${name} does not inflate: ${(e as Error).message}`);
      }
    } else throw bad(`${name} uses compression method ${method} (only stored and deflate are read)`);
    if (content.length !== size) throw bad(`${name} has ${content.length} bytes, its header says ${size}`);
    files.push({ name, bytes: new Uint8Array(content.buffer, content.byteOffset, content.byteLength) });
  }
  return files;
}
