// Per-caller token buckets, in process memory: each API key, signed-in user or anonymous address may make
// `perSecond` requests per second on average with bursts up to `burst`. Several server processes each apply
// the limit, which is the usual trade for not putting a shared counter on every request's path.
import { ApiError } from "../errors.js";

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly maxCallers = 100_000,
  ) {}

  /** Takes one token for `caller` or throws 429 with the seconds until one is available. */
  take(caller: string, now = Date.now()): void {
    if (this.perSecond <= 0) return;
    let bucket = this.buckets.get(caller);
    if (bucket === undefined) {
      // Forget the oldest callers rather than grow without bound under a flood of distinct addresses.
      if (this.buckets.size >= this.maxCallers) {
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
      bucket = { tokens: this.burst, updatedAt: now };
      this.buckets.set(caller, bucket);
    }
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.perSecond);
    bucket.updatedAt = now;
    if (bucket.tokens < 1) {
      const retryAfter = Math.ceil((1 - bucket.tokens) / this.perSecond);
      throw new ApiError("rate-limited", `too many requests from ${caller}; retry in ${retryAfter} s`, {
        retryAfter,
      });
    }
    bucket.tokens -= 1;
  }
}
