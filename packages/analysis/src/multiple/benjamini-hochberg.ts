// False-discovery-rate control across many simultaneous tests (columns × segments checked every hour): with
// 500 independent no-drift columns at α = 0.05, about 25 would alarm by chance per check; Benjamini–Hochberg
// keeps the expected share of false alarms among the alarms at α instead.

export interface FdrResult {
  /** BH-adjusted p-values ("q-values"), in input order (scipy `false_discovery_control(ps, method="bh")`). */
  readonly adjusted: number[];
  /** Whether each hypothesis is rejected at `alpha` (adjusted ≤ alpha). */
  readonly rejected: boolean[];
}

/**
 * Benjamini–Hochberg step-up procedure. `adjusted[i] = min over j with p(j) ≥ p(i) of p(j)·m / rank(j)`, capped at
 * 1. Valid under independence or positive dependence of the tests.
 * @throws RangeError for a p-value outside [0, 1] (or NaN), or alpha outside (0, 1).
 */
export function benjaminiHochberg(pValues: readonly number[], alpha = 0.05): FdrResult {
  if (!(alpha > 0 && alpha < 1))
    throw new RangeError(`benjaminiHochberg: alpha must be in (0, 1), got ${alpha}`);
  const m = pValues.length;
  pValues.forEach((p, i) => {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`benjaminiHochberg: p-value ${i} is ${p}, outside [0, 1]`);
  });
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => pValues[a]! - pValues[b]!);
  const adjusted = new Array<number>(m);
  let running = 1;
  // From the largest p-value down, the running minimum of p·m/rank makes the adjusted values monotone.
  for (let r = m; r >= 1; r--) {
    const i = order[r - 1]!;
    running = Math.min(running, (pValues[i]! * m) / r);
    adjusted[i] = running;
  }
  return { adjusted, rejected: adjusted.map((q) => q <= alpha) };
}
