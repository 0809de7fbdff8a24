export { chiSquareSf, logGamma, regularizedGammaP, regularizedGammaQ } from "./stats/gamma.js";
