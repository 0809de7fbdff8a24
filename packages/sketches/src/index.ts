export { SketchError } from "./errors.js";
export type { SketchErrorKind } from "./errors.js";
export { AlternatingBitSource, SeededBitSource, DEFAULT_RANDOM_SEED } from "./random.js";
export type { RandomBitSource } from "./random.js";

export { KllDoublesSketch } from "./kll/kll-doubles-sketch.js";
export type {
  KllOptions,
  KllQueryOptions,
  KllSerializeOptions,
  KllLayout,
  KllItemType,
  KllDeserializeOptions,
} from "./kll/kll-doubles-sketch.js";

export { HllSketch } from "./hll/hll-sketch.js";
export { HllUnion } from "./hll/hll-union.js";
export { HllType, HllMode } from "./hll/hll-type.js";

export { FrequentItemsSketch, ErrorType } from "./frequent-items/frequent-items-sketch.js";
export type { FrequentItemRow } from "./frequent-items/frequent-items-sketch.js";
