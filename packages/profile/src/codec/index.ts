// Public API of the profile file codec.
export { decodeProfile } from "./decode.js";
export { encodeProfileV1 } from "./v1-writer.js";
export { EXTENSION_MAGIC } from "./extension.js";
export { V1_MAGIC } from "./v1-reader.js";
export { compareCodePoints } from "./wire.js";
export type {
  ColumnComponents,
  DecodedProfile,
  MetricComponent,
  ModelPerformanceMessage,
  PerformanceMessage,
  ClassificationPerformanceMessage,
  RegressionPerformanceMessage,
  ScoreHistogramMessage,
  ProfileMessage,
  RegressionMetricsMessage,
  ScoreCellMessage,
  ScoreMatrixMessage,
  SegmentTagMessage,
} from "./message.js";
