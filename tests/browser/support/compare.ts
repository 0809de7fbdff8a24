// Comparison of a browser result with the Node result of the same workload, both in wire form.
import { expect } from "vitest";
import { base64ToBytes } from "./wire.js";
import type { Wire } from "./wire.js";

/** Every `$bytes` leaf of a wire value, by dotted path. */
export function byteImages(
  wire: Wire,
  path = "",
  out = new Map<string, Uint8Array>(),
): Map<string, Uint8Array> {
  if (wire === null || typeof wire !== "object") return out;
  if (!Array.isArray(wire) && typeof wire.$bytes === "string") {
    out.set(path, base64ToBytes(wire.$bytes));
    return out;
  }
  for (const [key, value] of Object.entries(wire)) byteImages(value, path ? `${path}.${key}` : key, out);
  return out;
}

/**
 * Asserts that the serialized images in `browser` equal those in `node`, byte for byte. A failure lists every
 * image with its length and first differing offset instead of a diff of base64 text.
 */
export function expectSameImages(browser: Wire, node: Wire): void {
  const b = byteImages(browser);
  const n = byteImages(node);
  expect([...b.keys()]).toEqual([...n.keys()]);
  expect(n.size).toBeGreaterThan(0);
  const report = (images: Map<string, Uint8Array>) =>
    [...n].map(([path, nodeBytes]) => {
      const bytes = images.get(path) ?? new Uint8Array(0);
      const firstDiff = nodeBytes.findIndex((byte, i) => bytes[i] !== byte);
      return {
        path,
        length: bytes.length,
        firstDiff: firstDiff === -1 && bytes.length > nodeBytes.length ? nodeBytes.length : firstDiff,
      };
    });
  expect(report(b)).toEqual(report(n));
}
