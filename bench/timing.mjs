// Helpers shared by the benchmark scripts (bench/run.mjs and its groups): loading the built packages, timing,
// deterministic inputs.

/** The built entry point of packages/<name> (dist/index.js); exits with a hint when it is not built. */
export function importBuilt(name) {
  return import(`../packages/${name}/dist/index.js`).catch((cause) => {
    console.error(
      `Cannot load packages/${name}/dist/index.js (run \`npm run build\` first): ${cause.message}`,
    );
    process.exit(1);
  });
}

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

/** SplitMix32-style generator of 32-bit unsigned integers: deterministic inputs, no Math.random. */
export function createRandomUint32(seed) {
  let state = seed | 0;
  return () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** The same stream as uniform doubles in [0, 1). */
export function createRandom(seed) {
  const next = createRandomUint32(seed);
  return () => next() / 2 ** 32;
}
