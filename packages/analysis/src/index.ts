export { chiSquareSf, logGamma, regularizedGammaP, regularizedGammaQ } from "./stats/gamma.js";
export { kolmogorovSf, kolmogorovSmirnovCdf, kolmogorovSmirnovSf } from "./stats/kolmogorov.js";
export { ksDistance, ksDrift, cdfError } from "./drift/ks.js";
export type { KsOptions } from "./drift/ks.js";
export {
  DEFAULT_DISTANCE_THRESHOLDS,
  DEFAULT_P_VALUE_THRESHOLDS,
  categoryOfDistance,
  categoryOfPValue,
} from "./drift/types.js";
export type { DriftCategory, DriftMethod, DriftResult, DriftThresholds } from "./drift/types.js";
export { benjaminiHochberg } from "./multiple/benjamini-hochberg.js";
export type { FdrResult } from "./multiple/benjamini-hochberg.js";
export { wassersteinDistance, wassersteinDrift } from "./drift/wasserstein.js";
export type { WassersteinOptions } from "./drift/wasserstein.js";
