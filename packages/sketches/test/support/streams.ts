/**
 * The deterministic input streams of the shared reference vectors (see vectors/datasketches/README.md).
 * BigInt is fine here: this is test input generation, not a hot path.
 */
const MASK64 = (1n << 64n) - 1n;

export function splitmix64(seed: number | bigint): () => bigint {
  let s = BigInt(seed);
  return () => {
    s = (s + 0x9e3779b97f4a7c15n) & MASK64;
    let z = s;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
    return z ^ (z >> 31n);
  };
}

/** Exact double in [0, 1) from the top 53 bits. */
export function u01(next: () => bigint): number {
  return Number(next() >> 11n) / 9007199254740992;
}

/** The KLL vector stream: n uniform doubles from splitmix64(seed). */
export function uniformStream(seed: number, n: number): Float64Array {
  const next = splitmix64(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = u01(next);
  return out;
}

/** The frequent-items Zipf stream: rank r repeated floor(10000 / r) times, r = 1..2000, shuffled with splitmix64(7). */
export function zipfRanks(): number[] {
  const a: number[] = [];
  for (let r = 1; r <= 2000; r++) {
    const count = Math.floor(10000 / r);
    for (let c = 0; c < count; c++) a.push(r);
  }
  const next = splitmix64(7);
  for (let i = a.length - 1; i >= 1; i--) {
    const j = Number(next() % BigInt(i + 1));
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
  return a;
}

/** Hex dump of the first differing region, for readable byte-equality failures. */
export function firstDifference(a: Uint8Array, b: Uint8Array): string | null {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return `byte ${i}: got 0x${a[i]!.toString(16)}, expected 0x${b[i]!.toString(16)}`;
  }
  return a.length === b.length ? null : `length ${a.length}, expected ${b.length}`;
}
