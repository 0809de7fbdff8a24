/** 64-bit integer helpers on (hi, lo) int32 halves, shared by the JavaScript hashes. */

/**
 * High 32 bits (as int32) of the unsigned 64-bit product of two uint32 bit patterns, from 16-bit
 * limbs. Every partial sum is exact below 2^32 and is kept as an int32 bit pattern (`| 0`), so the
 * whole computation stays in 32-bit integer registers: measured faster than a float64 formulation,
 * whose int/double conversions lengthen the dependency chain of every 64-bit multiply.
 */
export function umulhi(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const w0 = Math.imul(a0, b0);
  const t = (Math.imul(a1, b0) + (w0 >>> 16)) | 0;
  const w1 = ((t & 0xffff) + Math.imul(a0, b1)) | 0;
  return (((Math.imul(a1, b1) + (t >>> 16)) | 0) + (w1 >>> 16)) | 0;
}
