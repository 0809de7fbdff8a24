export { checkConstraints } from "./check.js";
export { defaultConstraintName } from "./format.js";
export { parseConstraints } from "./parse.js";
export type { ConstraintFormat } from "./parse.js";
export { CHECK_NAMES } from "./types.js";
export type {
  CheckName,
  ColumnOnlyConstraint,
  ColumnsPresentConstraint,
  Constraint,
  ConstraintActual,
  ConstraintReport,
  ConstraintResult,
  ConstraintSet,
  DatatypeConstraint,
  MostCommonItemsConstraint,
  QuantileConstraint,
  RangeConstraint,
  ReferenceSetConstraint,
  ThresholdConstraint,
  TypesListConstraint,
} from "./types.js";
export { validateConstraints } from "./validate.js";
