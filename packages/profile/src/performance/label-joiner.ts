// Joins labels that arrive late to the predictions they belong to, by an id column, on the client: the
// prediction side (its timestamp, prediction, scores and any segment columns) is remembered until its label
// comes, then handed back as one row ready for `trackLateLabels` / `RollingLogger.logLateLabels`, which
// count it in the window of the original prediction. Raw feature values are never kept.

import { ProfileError } from "../errors.js";
import { checkRows, columnObjectSlices } from "../input.js";
import { checkPerformanceSpec, labelText, performanceColumns } from "./tracker.js";
import type { PerformanceSpec } from "./tracker.js";

export interface LabelJoinerOptions {
  /** The performance spec the predictions are logged with (its prediction, score and target columns). */
  readonly performance: PerformanceSpec;
  /** Column holding the id that predictions and labels share. */
  readonly idColumn: string;
  /** Columns kept with each prediction besides the spec's (e.g. the timestamp and segment columns). */
  readonly keep?: readonly string[];
  /** Predictions remembered at most; beyond it the oldest are forgotten (default 1,000,000). */
  readonly maxPending?: number;
}

export interface JoinedLabels {
  /** One row per matched label: the kept prediction columns plus the label in the target column. */
  readonly rows: Record<string, unknown>[];
  /** Ids of labels without a waiting prediction (unknown, already labeled, or forgotten). */
  readonly unmatched: string[];
}

interface Waiting {
  readonly id: string;
  readonly row: Record<string, unknown>;
  live: boolean;
}

type Batch = readonly Readonly<Record<string, unknown>>[] | Readonly<Record<string, ArrayLike<unknown>>>;

/** A batch as rows (column objects are transposed; only `columns` are read). */
function rowsOf(input: Batch, columns: readonly string[]): Readonly<Record<string, unknown>>[] {
  if (Array.isArray(input)) {
    checkRows(input);
    return input as Readonly<Record<string, unknown>>[];
  }
  if (input === null || typeof input !== "object") {
    throw new ProfileError("invalid-argument", "label joiner: expected rows or a column object");
  }
  const slices = columnObjectSlices(input as Record<string, unknown>).filter((s) => columns.includes(s.name));
  const length = slices[0]?.values.length ?? 0;
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; i < length; i++) {
    const row: Record<string, unknown> = {};
    for (const s of slices) row[s.name] = s.values[i];
    rows.push(row);
  }
  return rows;
}

export class LabelJoiner {
  private readonly spec: PerformanceSpec;
  private readonly idColumn: string;
  private readonly kept: readonly string[];
  private readonly maxPending: number;
  /** id → predictions waiting for a label, oldest first (ids may repeat). */
  private readonly waiting = new Map<string, Waiting[]>();
  /** Every remembered prediction in arrival order, for forgetting the oldest; matched ones are skipped. */
  private arrivals: Waiting[] = [];
  private oldest = 0;
  private count = 0;

  constructor(options: LabelJoinerOptions) {
    this.spec = checkPerformanceSpec(options?.performance);
    if (typeof options.idColumn !== "string" || options.idColumn === "") {
      throw new ProfileError("invalid-argument", "label joiner: idColumn must be a non-empty column name");
    }
    this.idColumn = options.idColumn;
    const keep = options.keep ?? [];
    if (!Array.isArray(keep) || keep.some((k) => typeof k !== "string")) {
      throw new ProfileError("invalid-argument", "label joiner: keep must be a list of column names");
    }
    this.kept = [...new Set([...performanceColumns(this.spec), ...keep])].filter(
      (c) => c !== this.spec.target,
    );
    this.maxPending = options.maxPending ?? 1_000_000;
    if (!Number.isInteger(this.maxPending) || this.maxPending < 1) {
      throw new ProfileError("invalid-argument", "label joiner: maxPending must be a positive integer");
    }
  }

  /** Predictions remembered and still waiting for their label. */
  get pending(): number {
    return this.count;
  }

  private idOf(row: Readonly<Record<string, unknown>>, i: number, what: string): string {
    const id = labelText(row[this.idColumn], this.idColumn, i);
    if (id === null) {
      throw new ProfileError("invalid-argument", `label joiner: a ${what} without an id`, {
        column: this.idColumn,
        row: i,
      });
    }
    return id;
  }

  /**
   * Remembers the predictions of a batch that have no label yet (rows whose target is already known need no
   * join). Call it with the same batch you log.
   */
  addPredictions(input: Batch): void {
    const rows = rowsOf(input, [this.idColumn, this.spec.target, ...this.kept]);
    const add: [string, Record<string, unknown>][] = [];
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      if (labelText(row[this.spec.target], this.spec.target, i) !== null) continue;
      const keep: Record<string, unknown> = {};
      for (const c of this.kept) keep[c] = row[c];
      add.push([this.idOf(row, i, "prediction"), keep]);
    }
    for (const [id, row] of add) {
      const entry: Waiting = { id, row, live: true };
      const list = this.waiting.get(id);
      if (list === undefined) this.waiting.set(id, [entry]);
      else list.push(entry);
      this.arrivals.push(entry);
      this.count++;
    }
    while (this.count > this.maxPending) {
      const entry = this.arrivals[this.oldest++]!;
      if (entry.live) this.forget(entry);
    }
    // Drop the consumed prefix now and then so the arrival log stays proportional to what is waiting.
    if (this.oldest > 1024 && this.oldest * 2 > this.arrivals.length) {
      this.arrivals = this.arrivals.slice(this.oldest);
      this.oldest = 0;
    }
  }

  /** Removes a live entry: it is the first live one of its id's list (both are in arrival order). */
  private forget(entry: Waiting): void {
    entry.live = false;
    this.count--;
    const list = this.waiting.get(entry.id)!;
    list.splice(list.indexOf(entry), 1);
    if (list.length === 0) this.waiting.delete(entry.id);
  }

  /**
   * Matches labels (rows or columns with the id column and the spec's target column) to waiting
   * predictions; each match is forgotten so a repeated label is never counted twice.
   */
  joinLabels(input: Batch): JoinedLabels {
    const target = this.spec.target;
    const labels = rowsOf(input, [this.idColumn, target]);
    const ids = labels.map((row, i) => this.idOf(row, i, "label"));
    labels.forEach((row, i) => {
      // Checked before any prediction is matched: a refused batch must not consume waiting predictions.
      if (labelText(row[target], target, i) === null) {
        throw new ProfileError("invalid-argument", `label joiner: a label row without its ${target}`, {
          column: target,
          row: i,
        });
      }
    });
    const rows: Record<string, unknown>[] = [];
    const unmatched: string[] = [];
    for (let i = 0; i < labels.length; i++) {
      const id = ids[i]!;
      const entry = this.waiting.get(id)?.[0];
      if (entry === undefined) {
        unmatched.push(id);
        continue;
      }
      this.forget(entry);
      rows.push({ ...entry.row, [target]: labels[i]![target] });
    }
    return { rows, unmatched };
  }
}
