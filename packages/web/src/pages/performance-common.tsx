// Pieces the Performance and Segments pages share: the confidence of their intervals (kept in the URL) and
// text escaping for ECharts tooltips, which render HTML.
import { useSearchParams } from "react-router";
import { withParams } from "../lib/time";

export const CONFIDENCES = ["0.9", "0.95", "0.99"] as const;
export const DEFAULT_CONFIDENCE = 0.95;

/** The `confidence` URL parameter, when it is one of the offered levels. */
export function confidenceOf(params: URLSearchParams): number {
  const text = params.get("confidence");
  return text !== null && (CONFIDENCES as readonly string[]).includes(text)
    ? Number(text)
    : DEFAULT_CONFIDENCE;
}

export function confidenceLabel(confidence: number): string {
  return `${Math.round(confidence * 100)}%`;
}

export function ConfidenceSelect() {
  const [params, setParams] = useSearchParams();
  const current = String(confidenceOf(params));
  return (
    <label className="select-label">
      Interval{" "}
      <select
        value={current}
        onChange={(e) =>
          setParams(
            withParams(params, {
              confidence: e.target.value === String(DEFAULT_CONFIDENCE) ? null : e.target.value,
            }),
          )
        }
      >
        {CONFIDENCES.map((c) => (
          <option key={c} value={c}>
            {confidenceLabel(Number(c))} confidence
          </option>
        ))}
      </select>
    </label>
  );
}

/** A metric's label inside a sentence: "accuracy", but "ROC AUC" and "F1" keep their capitals. */
export function inSentence(label: string): string {
  return /^[A-Z0-9²]{2}/.test(label) ? label : label.charAt(0).toLowerCase() + label.slice(1);
}
