// The controls every project page shares, all reading and writing the URL: time window, segment, baseline.
import { useState } from "react";
import { useSearchParams } from "react-router";
import { useApi } from "../api/hooks";
import { enc } from "../api/client";
import { shorten } from "../lib/text";
import { PRESETS, fromLocalInput, paramsForWindow, toLocalInput, windowOf, withParams } from "../lib/time";

/** Start and end in the browser's time zone, checked before `onApply` gets them (epoch ms). */
export function DateRangeForm({
  start,
  end,
  label,
  onApply,
}: {
  readonly start: number | null;
  readonly end: number | null;
  readonly label: string;
  readonly onApply: (start: number, end: number) => void;
}) {
  const [from, setFrom] = useState(start !== null ? toLocalInput(start) : "");
  const [to, setTo] = useState(end !== null ? toLocalInput(end) : "");
  const a = fromLocalInput(from);
  const b = fromLocalInput(to);
  const error =
    a === null || b === null
      ? "Enter both a start and an end."
      : b <= a
        ? "The end must be after the start."
        : null;
  return (
    <form
      className="custom-range"
      aria-label={label}
      onSubmit={(event) => {
        event.preventDefault();
        if (a !== null && b !== null && b > a) onApply(a, b);
      }}
    >
      <label>
        From <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} />
      </label>
      <label>
        to <input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} />
      </label>
      <button type="submit" disabled={error !== null}>
        Apply
      </button>
      {error !== null ? <span className="field-error">{error}</span> : null}
    </form>
  );
}

export function TimeRangePicker() {
  const [params, setParams] = useSearchParams();
  const window = windowOf(params);
  const [custom, setCustom] = useState(window.preset === null);
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
        <DateRangeForm
          start={window.start}
          end={window.end}
          label="Custom time range"
          onApply={(start, end) => setParams(paramsForWindow(params, { start, end, preset: null }))}
        />
      ) : null}
    </div>
  );
}

function segmentLabel(tags: readonly { key: string; value: string }[]): string {
  return tags.map((t) => `${t.key} = ${t.value}`).join(", ");
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
