import type { KllDoublesSketch } from "@sightglass/sketches";

/**
 * Walks the distinct values of two non-empty sketches in ascending order. At each value `x` it calls `visit`
 * with the two step CDFs just before `x` (`beforeA`, `beforeB`, constant on the interval from the previous
 * value) and at `x` (`atA`, `atB`, inclusive). Every distance between two KLL sketches (KS, Wasserstein) is a
 * fold over these steps.
 */
export function walkStepCdfs(
  a: KllDoublesSketch,
  b: KllDoublesSketch,
  visit: (x: number, beforeA: number, beforeB: number, atA: number, atB: number) => void,
): void {
  const va = a.getSortedView();
  const vb = b.getSortedView();
  const na = a.getN();
  const nb = b.getN();
  const xa = va.items;
  const xb = vb.items;
  let i = 0;
  let j = 0;
  let fa = 0;
  let fb = 0;
  while (i < xa.length || j < xb.length) {
    const x = j >= xb.length || (i < xa.length && xa[i]! <= xb[j]!) ? xa[i]! : xb[j]!;
    const beforeA = fa / na;
    const beforeB = fb / nb;
    while (i < xa.length && xa[i]! <= x) fa = va.cumulativeWeights[i++]!;
    while (j < xb.length && xb[j]! <= x) fb = vb.cumulativeWeights[j++]!;
    visit(x, beforeA, beforeB, fa / na, fb / nb);
  }
}
