// The shared reference material helpers of the sketches tests, for the profile tests: tests that need
// ../shared are skipped with a visible reason when it is absent.
export {
  SHARED_MISSING_REASON,
  readVector,
  readVectorJson,
  requireShared,
  sharedDir,
  vectorPath,
} from "../../../sketches/test/support/shared.js";
