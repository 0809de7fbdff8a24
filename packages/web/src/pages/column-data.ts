// The column page's data: the shapes of the monitor endpoints it reads (not in api/types.ts), the loaders that
// need more than useApi (a timed time-series fetch, paged drift evaluations), and the per-bucket table the
// charts are drawn from.
import { useCallback, useEffect, useState } from "react";
import { api, enc, withQuery } from "../api/client";
import type { Loadable } from "../api/hooks";
import type { Frequency, Severity } from "../api/types";

/** GET /api/v1/projects/{id}/timeseries */
export interface TimeseriesAnswer {
  readonly start: number;
  readonly end: number;
  readonly frequency: Frequency;
  readonly series: readonly {
    readonly column: string;
    readonly metric: string;
    readonly points: readonly { readonly t: number; readonly v: number | null }[];
  }[];
}

/** GET /api/v1/projects/{id}/evaluations — one monitor result for one bucket. */
export interface Evaluation {
  readonly id: number;
  readonly monitorId: string;
  readonly analyzer: string;
  readonly column: string;
  readonly segment: string;
  readonly bucketStart: number;
  readonly metric: string;
  readonly value: number | null;
  readonly valueLower: number | null;
  readonly valueUpper: number | null;
  readonly thresholdLower: number | null;
  readonly thresholdUpper: number | null;
  readonly baselineValue: number | null;
  readonly anomaly: boolean;
  readonly summary: string;
  readonly details: Readonly<Record<string, unknown>>;
}

/** GET /api/v1/projects/{id}/monitors (the parts this page reads). */
export interface Monitor {
  readonly id: string;
  readonly name: string;
  readonly enabled: boolean;
  readonly config: {
    readonly analyzer: { readonly type: string };
    readonly severity: Severity;
  };
}

/** GET /api/v1/projects/{id}/anomalies — an incident: consecutive anomalous buckets of one monitor. */
export interface Anomaly {
  readonly id: string;
  readonly monitorId: string;
  readonly column: string | null;
  readonly segment: string;
  readonly state: "open" | "acknowledged" | "resolved";
  readonly severity: Severity;
  readonly firstBucket: number;
  readonly lastBucket: number;
  readonly bucketCount: number;
  readonly summary: string;
  readonly lastEvaluationId: number;
  readonly openedAt: number;
  readonly acknowledgedAt: number | null;
  readonly resolvedAt: number | null;
}

/** Metric keys read per bucket (whylogs summary keys the server materializes for every bucket). */
export const METRICS = {
  n: "counts/n",
  nulls: "counts/null",
  numbers: "distribution/n",
  mean: "distribution/mean",
  q05: "distribution/q_05",
  q25: "distribution/q_25",
  q75: "distribution/q_75",
  q95: "distribution/q_95",
  distinct: "cardinality/est",
} as const;
export type MetricName = keyof typeof METRICS;

/**
 * The column's buckets as columns of numbers (oldest first). A missing bucket between two present ones is a row
 * of nulls, so lines break there instead of bridging the gap.
 */
export interface BucketTable {
  readonly t: readonly number[];
  readonly values: Readonly<Record<MetricName, readonly (number | null)[]>>;
  /** Whether any bucket has numbers (drives the mean chart and the histogram). */
  readonly numeric: boolean;
}

export function bucketTable(answer: TimeseriesAnswer, column: string, bucket: number): BucketTable | null {
  const byMetric = new Map<string, Map<number, number | null>>();
  const times = new Set<number>();
  for (const s of answer.series) {
    if (s.column !== column) continue;
    const m = new Map<number, number | null>();
    for (const p of s.points) {
      m.set(p.t, p.v);
      times.add(p.t);
    }
    byMetric.set(s.metric, m);
  }
  if (times.size === 0) return null;
  const present = [...times].sort((a, b) => a - b);
  const t: number[] = [];
  for (const time of present) {
    const previous = t.length > 0 ? t[t.length - 1]! : null;
    // 1.5 buckets: daylight-saving days and months are not exactly one bucket long, a missing bucket is two.
    if (previous !== null && time - previous > 1.5 * bucket) t.push(previous + bucket);
    t.push(time);
  }
  const names = Object.keys(METRICS) as MetricName[];
  const values = {} as Record<MetricName, (number | null)[]>;
  for (const name of names) {
    const m = byMetric.get(METRICS[name]);
    values[name] = t.map((time) => m?.get(time) ?? null);
  }
  const numeric = values.numbers.some((n) => n !== null && n > 0);
  return { t, values, numeric };
}

export interface Timed<T> {
  readonly data: T;
  /** performance.now() when the answer was parsed: the start of the render-time measurement. */
  readonly receivedAt: number;
}

/** Like useApi, but remembers when the answer arrived (the page reports the time from there to the charts). */
export function useTimedApi<T>(
  path: string,
  query: Record<string, string | number | undefined>,
): { readonly result: Loadable<Timed<T>>; readonly reload: () => void } {
  const url = withQuery(path, query);
  const [generation, setGeneration] = useState(0);
  const [result, setResult] = useState<Loadable<Timed<T>>>({ state: "loading" });
  useEffect(() => {
    const controller = new AbortController();
    setResult({ state: "loading" });
    api.get<T>(url, undefined, controller.signal).then(
      (data) => {
        if (!controller.signal.aborted)
          setResult({ state: "ready", data: { data, receivedAt: performance.now() } });
      },
      (error: unknown) => {
        if (!controller.signal.aborted)
          setResult({ state: "error", error: error instanceof Error ? error : new Error(String(error)) });
      },
    );
    return () => controller.abort();
  }, [url, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { result, reload };
}

const PAGE = 5000;
const MAX_PAGES = 8;

/**
 * Every evaluation of the given monitors for one column in a window, oldest bucket first; a bucket re-run
 * keeps only its latest evaluation. Null `monitorIds` means "monitors not known yet" (stays loading).
 */
export function useEvaluations(
  projectId: string,
  monitorIds: readonly string[] | null,
  query: { column: string; start: number; end: number; segment: string },
): { readonly result: Loadable<readonly Evaluation[]>; readonly reload: () => void } {
  const [generation, setGeneration] = useState(0);
  const [result, setResult] = useState<Loadable<readonly Evaluation[]>>({ state: "loading" });
  const ids = monitorIds === null ? null : monitorIds.join("\n");
  const { column, start, end, segment } = query;
  useEffect(() => {
    if (ids === null) {
      setResult({ state: "loading" });
      return;
    }
    const controller = new AbortController();
    setResult({ state: "loading" });
    const monitors = ids === "" ? [] : ids.split("\n");
    const one = async (monitor: string): Promise<Evaluation[]> => {
      const out: Evaluation[] = [];
      let after: number | null = null;
      for (let page = 0; page < MAX_PAGES; page++) {
        const answer: { evaluations: Evaluation[]; next: number | null } = await api.get(
          `/api/v1/projects/${enc(projectId)}/evaluations`,
          {
            monitor,
            column,
            start,
            end,
            limit: PAGE,
            ...(segment !== "" ? { segment } : {}),
            ...(after !== null ? { after } : {}),
          },
          controller.signal,
        );
        out.push(...answer.evaluations);
        if (answer.next === null) break;
        after = answer.next;
      }
      return out;
    };
    Promise.all(monitors.map(one)).then(
      (lists) => {
        if (controller.signal.aborted) return;
        const latest = new Map<string, Evaluation>();
        for (const e of lists.flat()) {
          // The whole dataset's evaluations come with the segments' when no segment is asked for.
          if (e.segment !== segment) continue;
          const key = `${e.monitorId}\n${e.bucketStart}`;
          const seen = latest.get(key);
          if (seen === undefined || seen.id < e.id) latest.set(key, e);
        }
        const sorted = [...latest.values()].sort((a, b) => a.bucketStart - b.bucketStart || a.id - b.id);
        setResult({ state: "ready", data: sorted });
      },
      (error: unknown) => {
        if (!controller.signal.aborted)
          setResult({ state: "error", error: error instanceof Error ? error : new Error(String(error)) });
      },
    );
    return () => controller.abort();
  }, [projectId, ids, column, start, end, segment, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { result, reload };
}
