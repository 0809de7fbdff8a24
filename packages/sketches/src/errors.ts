/**
 * What went wrong, in a form callers can branch on.
 *
 * - `invalid-argument`: a parameter is outside its domain (k out of range, rank outside [0, 1], …).
 * - `empty-sketch`: a query that has no answer on an empty sketch (quantile, min, max, …).
 * - `incompatible`: two sketches that cannot be merged (different m, different families).
 * - `truncated`: a serialized image ends before the field its header promises.
 * - `wrong-family`: the image belongs to another sketch family.
 * - `bad-preamble`: preamble size, serial version or flags are inconsistent or unsupported.
 * - `corrupt`: the header is well-formed but describes an impossible sketch (sizes, levels,
 *   counts, trailing bytes).
 */
export type SketchErrorKind =
  | "invalid-argument"
  | "empty-sketch"
  | "incompatible"
  | "truncated"
  | "wrong-family"
  | "bad-preamble"
  | "corrupt";

/**
 * The single error type of `@sightglass/sketches`. Decoders throw nothing else, whatever the bytes.
 *
 * @example
 * ```ts
 * try {
 *   KllDoublesSketch.deserialize(bytes);
 * } catch (e) {
 *   if (e instanceof SketchError && e.kind === "truncated") console.error(e.message);
 * }
 * ```
 */
export class SketchError extends Error {
  readonly kind: SketchErrorKind;
  /** Byte offset of the offending field in a serialized image, when the error comes from a decoder. */
  readonly offset: number | undefined;

  constructor(kind: SketchErrorKind, message: string, offset?: number) {
    super(offset === undefined ? message : `${message} (at byte ${offset})`);
    this.name = "SketchError";
    this.kind = kind;
    this.offset = offset;
  }
}
