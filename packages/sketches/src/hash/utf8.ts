/**
 * Encodes `s` as UTF-8 into `buf` from byte `at` and returns the end offset (the byte length when `at`
 * is 0). The caller guarantees room for `3 * s.length` bytes, the UTF-8 worst case per code unit.
 *
 * A lone surrogate has no UTF-8 form. With `"replace"` it becomes U+FFFD, exactly as `TextEncoder`,
 * Java `getBytes(UTF_8)` and Python `encode(errors="replace")` produce — right for hashing, where the
 * bytes must match what any other producer hashes. With `"reject"` the function returns -1 instead:
 * frequent items serialize their items, and mapping two different strings to the same bytes would
 * write an image with duplicate items.
 *
 * Hand-written rather than `TextEncoder.encodeInto` because the package compiles against the plain
 * ES2022 lib (no DOM/Node typings) and because this loop is as fast for the short strings sketches see.
 */
export function encodeUtf8Into(
  s: string,
  buf: Uint8Array,
  at = 0,
  loneSurrogate: "replace" | "reject" = "replace",
): number {
  let j = at;
  const len = s.length;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      buf[j++] = c;
    } else if (c < 0x800) {
      buf[j++] = 0xc0 | (c >> 6);
      buf[j++] = 0x80 | (c & 0x3f);
    } else if (c < 0xd800 || c > 0xdfff) {
      buf[j++] = 0xe0 | (c >> 12);
      buf[j++] = 0x80 | ((c >> 6) & 0x3f);
      buf[j++] = 0x80 | (c & 0x3f);
    } else {
      const next = i + 1 < len ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
        buf[j++] = 0xf0 | (cp >> 18);
        buf[j++] = 0x80 | ((cp >> 12) & 0x3f);
        buf[j++] = 0x80 | ((cp >> 6) & 0x3f);
        buf[j++] = 0x80 | (cp & 0x3f);
      } else if (loneSurrogate === "reject") {
        return -1;
      } else {
        buf[j++] = 0xef;
        buf[j++] = 0xbf;
        buf[j++] = 0xbd;
      }
    }
  }
  return j;
}
