/**
 * Source of the single random bit KLL compaction consumes per halving. Injectable so that sketches
 * are reproducible: the same input and the same source give the same sketch, byte for byte.
 */
export interface RandomBitSource {
  /** Returns 0 or 1. */
  nextBit(): number;
}

/**
 * The 0, 1, 0, 1, … source of datasketches-cpp built with `-DKLL_VALIDATION`. With a fresh source per
 * sketch it reproduces the C++ reference images byte for byte.
 */
export class AlternatingBitSource implements RandomBitSource {
  #next = 0;

  nextBit(): number {
    const bit = this.#next;
    this.#next ^= 1;
    return bit;
  }
}

/** Default seed: any fixed value works; a fixed one makes default-constructed sketches reproducible. */
export const DEFAULT_RANDOM_SEED = 0x5167_6c61;

/**
 * A seeded pseudo-random bit source (SplitMix32-style mixing of a Weyl sequence, 32-bit integer
 * arithmetic only). Statistically fine for choosing which half of a compaction survives; not for
 * cryptography.
 */
export class SeededBitSource implements RandomBitSource {
  #state: number;
  #word = 0;
  #bitsLeft = 0;

  constructor(seed: number = DEFAULT_RANDOM_SEED) {
    this.#state = seed | 0;
  }

  nextBit(): number {
    if (this.#bitsLeft === 0) {
      this.#state = (this.#state + 0x9e3779b9) | 0;
      let z = this.#state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      this.#word = z ^ (z >>> 16);
      this.#bitsLeft = 32;
    }
    const bit = this.#word & 1;
    this.#word >>>= 1;
    this.#bitsLeft--;
    return bit;
  }
}
