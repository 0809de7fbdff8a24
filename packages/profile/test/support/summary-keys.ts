// whylogs' to_summary_dict keys per namespace (SummaryConfig defaults), written out independently of the
// implementation so tests check the keys rather than repeat them from the source.

export const QUANTILE_KEYS = [
  "distribution/q_01",
  "distribution/q_05",
  "distribution/q_10",
  "distribution/q_25",
  "distribution/median",
  "distribution/q_75",
  "distribution/q_90",
  "distribution/q_95",
  "distribution/q_99",
];

export const TYPE_KEYS = [
  "types/integral",
  "types/fractional",
  "types/boolean",
  "types/string",
  "types/object",
  "types/tensor",
];

export const SUMMARY_KEYS = {
  counts: ["counts/n", "counts/null", "counts/nan", "counts/inf", "counts/true"],
  types: TYPE_KEYS,
  distribution: [
    "distribution/mean",
    "distribution/stddev",
    "distribution/n",
    "distribution/max",
    "distribution/min",
    ...QUANTILE_KEYS,
  ],
  ints: ["ints/max", "ints/min"],
  cardinality: ["cardinality/est", "cardinality/upper_1", "cardinality/lower_1"],
  frequent_items: ["frequent_items/frequent_strings"],
};
