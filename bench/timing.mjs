// Timing helpers shared by bench/run.mjs and bench/profile.mjs.

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

/**
 * `prepare()` builds fresh untimed state for one repetition; `run(state)` is the timed work of `ops`
 * operations. One warm-up repetition, then `repetitions` timed ones; the figure is the median ns per op.
 */
export function measure(prepare, run, ops, repetitions) {
  const samples = [];
  for (let rep = 0; rep <= repetitions; rep++) {
    const state = prepare();
    const start = process.hrtime.bigint();
    run(state);
    const elapsed = Number(process.hrtime.bigint() - start);
    if (rep > 0) samples.push(elapsed / ops);
  }
  return {
    nsPerOp: median(samples),
    minNsPerOp: Math.min(...samples),
    maxNsPerOp: Math.max(...samples),
    ops,
  };
}
