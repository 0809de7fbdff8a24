/**
 * Encodes `s` as UTF-8 into `buf` (which must hold at least `3 * s.length` bytes) and returns the
 * byte length. Lone surrogates become U+FFFD, exactly as `TextEncoder` does, so the bytes hashed
 * here are the bytes any other UTF-8 producer (Java `getBytes(UTF_8)`, Python `encode()`) would emit
 * for well-formed text.
 *
 * Hand-written rather than `TextEncoder.encodeInto` because the package compiles against the plain
 * ES2022 lib (no DOM/Node typings) and because this loop is as fast for the short strings sketches
 * see.
 */
export function encodeUtf8Into(s: string, buf: Uint8Array): number {
  let n = 0;
  const len = s.length;
  for (let i = 0; i < len; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      buf[n++] = c;
    } else if (c < 0x800) {
      buf[n++] = 0xc0 | (c >> 6);
      buf[n++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < len ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
        buf[n++] = 0xf0 | (c >> 18);
        buf[n++] = 0x80 | ((c >> 12) & 0x3f);
        buf[n++] = 0x80 | ((c >> 6) & 0x3f);
        buf[n++] = 0x80 | (c & 0x3f);
      } else {
        // Lone surrogate → U+FFFD (EF BF BD).
        buf[n++] = 0xef;
        buf[n++] = 0xbf;
        buf[n++] = 0xbd;
      }
    } else {
      buf[n++] = 0xe0 | (c >> 12);
      buf[n++] = 0x80 | ((c >> 6) & 0x3f);
      buf[n++] = 0x80 | (c & 0x3f);
    }
  }
  return n;
}
