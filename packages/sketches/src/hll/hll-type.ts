/**
 * Register width of an HLL sketch in HLL mode; the numeric values are the ones stored in bits 2-3
 * of the serialized mode byte.
 */
export const HllType = {
  /** 4-bit registers relative to a running minimum, with an exception (aux) table. Smallest. */
  HLL_4: 0,
  /** 6-bit packed registers. */
  HLL_6: 1,
  /** One byte per register. Fastest; the union's internal type. */
  HLL_8: 2,
} as const;
/** One of the {@link HllType} values. */
export type HllType = (typeof HllType)[keyof typeof HllType];

/** Internal representation currently in use (bits 0-1 of the serialized mode byte). */
export const HllMode = {
  /** Up to 7 coupons in a small list. */
  LIST: 0,
  /** Coupons in an open-addressing hash set (lgK >= 8 only). */
  SET: 1,
  /** The register array. */
  HLL: 2,
} as const;
/** One of the {@link HllMode} values. */
export type HllMode = (typeof HllMode)[keyof typeof HllMode];
