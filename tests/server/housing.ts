// The California housing split (../shared) as the server suites read it: the CSV files and the classifier's
// performance spec.
import { readFile } from "node:fs/promises";
import type { PerformanceSpec } from "@sightglass/profile";

/** The model's columns: a binary prediction, its score and the (late) label. */
export const HOUSING_SPEC: PerformanceSpec = {
  task: "classification",
  prediction: "y_pred",
  target: "clf_target",
  scores: "y_pred_proba",
};

/** The model's input columns. */
export const HOUSING_FEATURES: readonly string[] = [
  "MedInc",
  "HouseAge",
  "AveRooms",
  "AveBedrms",
  "Population",
  "AveOccup",
  "Latitude",
  "Longitude",
];

export interface Csv {
  readonly header: string[];
  readonly lines: string[];
  readonly rows: Record<string, string>[];
}

/** The housing files have no quoting, so a split is an exact parse. */
export async function readCsv(path: string): Promise<Csv> {
  const [first, ...lines] = (await readFile(path, "utf8")).trim().split("\n");
  const header = first!.split(",");
  const rows = lines.map((l) => {
    const fields = l.split(",");
    return Object.fromEntries(header.map((n, i) => [n, fields[i]!]));
  });
  return { header, lines, rows };
}
