// The controls every project page shares, all reading and writing the URL: time window, segment, baseline.
import { useState } from "react";
import { useSearchParams } from "react-router";
import { useApi } from "../api/hooks";
import { enc } from "../api/client";
import { PRESETS, fromLocalInput, paramsForWindow, toLocalInput, windowOf, withParams } from "../lib/time";

export function TimeRangePicker() {
  const [params, setParams] = useSearchParams();
  const window = windowOf(params);
  const [custom, setCustom] = useState(window.preset === null);
  const [from, setFrom] = useState(toLocalInput(window.start));
  const [to, setTo] = useState(toLocalInput(window.end));
  const customError = (() => {
    const a = fromLocalInput(from);
    const b = fromLocalInput(to);
    if (a === null || b === null) return "Enter both a start and an end.";
    if (b <= a) return "The end must be after the start.";
    return null;
  })();
  return (
    <div className="picker" role="group" aria-label="Time range">
      {PRESETS.map((preset) => (
        <button
          key={preset}
          type="button"
          className={window.preset === preset && !custom ? "toggle active" : "toggle"}
          aria-pressed={window.preset === preset && !custom}
          onClick={() => {
            setCustom(false);
            setParams(paramsForWindow(params, { start: 0, end: 0, preset }));
          }}
        >
          Last {preset}
        </button>
      ))}
      <button
        type="button"
        className={custom || window.preset === null ? "toggle active" : "toggle"}
        aria-pressed={custom || window.preset === null}
        aria-expanded={custom}
        onClick={() => setCustom((c) => !c)}
      >
        Custom
      </button>
      {custom ? (
        <form
          className="custom-range"
          onSubmit={(event) => {
            event.preventDefault();
            const start = fromLocalInput(from);
            const end = fromLocalInput(to);
            if (start === null || end === null || end <= start) return;
            setParams(paramsForWindow(params, { start, end, preset: null }));
          }}
        >
          <label>
            From <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} />
          </label>
          <label>
            to <input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} />
          </label>
          <button type="submit" disabled={customError !== null}>
            Apply
          </button>
          {customError !== null ? <span className="field-error">{customError}</span> : null}
        </form>
      ) : null}
    </div>
  );
}

function segmentLabel(tags: readonly { key: string; value: string }[]): string {
  return tags.map((t) => `${t.key} = ${t.value}`).join(", ");
}

/** Option text is laid out at full width: a 10 kB segment value would widen the page, so it is cut. */
function shorten(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

interface SegmentsAnswer {
  readonly segments: readonly {
    readonly key: string;
    readonly tags: readonly { key: string; value: string }[];
  }[];
}

/** Whole dataset or one segment of the project (`segment` parameter: key=value pairs joined by &). */
export function SegmentSelect({ projectId }: { readonly projectId: string }) {
  const [params, setParams] = useSearchParams();
  const { result } = useApi<SegmentsAnswer>(`/api/v1/projects/${enc(projectId)}/segments`);
  const current = params.get("segment") ?? "";
  const segments = result.state === "ready" ? result.data.segments.filter((s) => s.key !== "") : [];
  return (
    <label className="select-label">
      Segment{" "}
      <select
        value={current}
        onChange={(e) => setParams(withParams(params, { segment: e.target.value }))}
        disabled={result.state !== "ready"}
      >
        <option value="">All data</option>
        {segments.map((s) => (
          <option key={s.key} value={s.key} title={segmentLabel(s.tags)}>
            {shorten(segmentLabel(s.tags))}
          </option>
        ))}
        {current !== "" && !segments.some((s) => s.key === current) ? (
          <option value={current} title={current}>
            {shorten(current)}
          </option>
        ) : null}
      </select>
    </label>
  );
}

interface ReferencesAnswer {
  readonly references: readonly { readonly name: string }[];
}

/**
 * What the window is compared with (`baseline` parameter): the preceding window of equal length (default) or a
 * named reference profile (`ref:<name>`).
 */
export function BaselineSelect({ projectId }: { readonly projectId: string }) {
  const [params, setParams] = useSearchParams();
  const { result } = useApi<ReferencesAnswer>(`/api/v1/projects/${enc(projectId)}/references`);
  const current = params.get("baseline") ?? "";
  const names = result.state === "ready" ? [...new Set(result.data.references.map((r) => r.name))] : [];
  return (
    <label className="select-label">
      Baseline{" "}
      <select value={current} onChange={(e) => setParams(withParams(params, { baseline: e.target.value }))}>
        <option value="">Previous period</option>
        {names.map((name) => (
          <option key={name} value={`ref:${name}`}>
            Reference “{name}”
          </option>
        ))}
      </select>
    </label>
  );
}

/** Query parameters of the server's baseline options for the URL's `baseline`. */
export function baselineQuery(params: URLSearchParams): Record<string, string> {
  const baseline = params.get("baseline") ?? "";
  return baseline.startsWith("ref:") ? { reference: baseline.slice(4) } : {};
}
