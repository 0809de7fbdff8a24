// Form controls of the monitor editor: labelled inputs that show their field's problems (linked with
// aria-describedby), a list editor for column names and segment selectors, which may contain any character
// (commas included), so entries are added one at a time instead of being split out of one text, and the fields
// of each analyzer and baseline type: exactly the properties the server accepts for it.
import { useId } from "react";
import type { ReactNode } from "react";
import type { Project } from "../api/types";
import {
  COLUMN_METRICS,
  DATASET_METRICS,
  DIRECTIONS,
  DRIFT_DEFAULT_THRESHOLD,
  DRIFT_METHODS,
  PERFORMANCE_METRICS,
  QUALITY_CHECKS,
  fieldId,
} from "./monitor-doc";
import type { AnalyzerType, Direction, Issue, MonitorForm } from "./monitor-doc";

/** The attributes that tie an input to its field key's id and error list. */
export function fieldAttrs(key: string, issues: readonly Issue[]) {
  const id = fieldId(key);
  return {
    id,
    "aria-invalid": issues.length > 0 ? true : undefined,
    "aria-describedby": issues.length > 0 ? `${id}-errors` : undefined,
  } as const;
}

export function FieldErrors({
  fieldKey,
  issues,
}: {
  readonly fieldKey: string;
  readonly issues: readonly Issue[];
}) {
  if (issues.length === 0) return null;
  return (
    <ul className="field-error monitor-field-errors" id={`${fieldId(fieldKey)}-errors`}>
      {issues.map((issue, i) => (
        <li key={i} className="wrap-anywhere">
          {issue.message}
        </li>
      ))}
    </ul>
  );
}

export function Field({
  fieldKey,
  label,
  issues,
  hint,
  children,
}: {
  readonly fieldKey: string;
  readonly label: string;
  readonly issues: readonly Issue[];
  readonly hint?: ReactNode;
  readonly children: ReactNode;
}) {
  return (
    <div className="monitor-field">
      <label htmlFor={fieldId(fieldKey)}>{label}</label>
      {children}
      {hint !== undefined ? <span className="muted small">{hint}</span> : null}
      <FieldErrors fieldKey={fieldKey} issues={issues} />
    </div>
  );
}

/**
 * A list of strings edited one entry at a time: type (with suggestions) and press Enter or "Add". The text still
 * in the box counts as an entry when the form is sent (`draft`), so typing a name and saving just works.
 */
export function ListInput({
  fieldKey,
  label,
  values,
  draft,
  onDraft,
  onChange,
  suggestions,
  placeholder,
  emptyText,
  issues,
  hint,
}: {
  readonly fieldKey: string;
  readonly label: string;
  readonly values: readonly string[];
  readonly draft: string;
  readonly onDraft: (text: string) => void;
  readonly onChange: (values: readonly string[]) => void;
  readonly suggestions: readonly string[];
  readonly placeholder?: string;
  readonly emptyText: string;
  readonly issues: readonly Issue[];
  readonly hint?: ReactNode;
}) {
  const listId = useId();
  const add = () => {
    if (draft.trim() === "") return;
    if (!values.includes(draft)) onChange([...values, draft]);
    onDraft("");
  };
  const attrs = fieldAttrs(fieldKey, issues);
  return (
    <div className="monitor-field">
      <label htmlFor={attrs.id}>{label}</label>
      <ul className="mon-chips" aria-label={`${label}: chosen`}>
        {values.length === 0 ? <li className="muted small">{emptyText}</li> : null}
        {values.map((value) => (
          <li key={value} className="mon-chip">
            <span className="truncate" title={value}>
              {value}
            </span>
            <button
              type="button"
              className="mon-chip-remove"
              aria-label={`Remove ${value}`}
              onClick={() => onChange(values.filter((v) => v !== value))}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      <span className="mon-chip-entry">
        <input
          {...attrs}
          list={listId}
          value={draft}
          placeholder={placeholder}
          autoComplete="off"
          onChange={(e) => onDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter") {
              // Enter adds the entry instead of submitting the whole form.
              e.preventDefault();
              add();
            }
          }}
        />
        <button type="button" onClick={add} disabled={draft.trim() === ""} aria-label={`Add to ${label}`}>
          Add
        </button>
      </span>
      <datalist id={listId}>
        {suggestions.map((s) => (
          <option key={s} value={s} />
        ))}
      </datalist>
      {hint !== undefined ? <span className="muted small">{hint}</span> : null}
      <FieldErrors fieldKey={fieldKey} issues={issues} />
    </div>
  );
}

export function analyzerHint(type: AnalyzerType): string {
  switch (type) {
    case "drift":
      return "Alarms when a column's distribution moved away from the baseline's.";
    case "fixed":
      return "Alarms when the metric leaves fixed bounds (a value equal to a bound is fine).";
    case "stddev":
      return "Alarms when the metric is outside mean ± factor·σ of its baseline buckets.";
    case "percent_change":
      return "Alarms when the metric moved by more than a percentage from its baseline value.";
    case "missing_data":
      return "Alarms when a bucket closed with too few rows. Judges the whole dataset.";
    case "schema_change":
      return "Alarms when columns appear, disappear or change type compared with the baseline.";
    case "data_quality":
      return "Alarms when a data-quality check finds a significant change against the baseline.";
    case "performance_drop":
      return "Alarms when the realized model performance (labels) drops below the baseline's.";
    case "estimated_performance_drop":
      return "Alarms when the performance estimated from scores (no labels yet) drops below the baseline's.";
  }
}

export type IssuesAt = (key: string) => readonly Issue[];
type NumberKey =
  | "threshold"
  | "minCount"
  | "lower"
  | "upper"
  | "factor"
  | "minBuckets"
  | "percent"
  | "minRows"
  | "missingIncrease"
  | "significance"
  | "maxDrop"
  | "minLabeled"
  | "confidence"
  | "buckets";
export type Update = (patch: Partial<MonitorForm>) => void;

function NumberField({
  field,
  fieldKey,
  label,
  form,
  update,
  issuesAt,
  placeholder,
  hint,
  step = "any",
}: {
  readonly field: NumberKey;
  readonly fieldKey: string;
  readonly label: string;
  readonly form: MonitorForm;
  readonly update: Update;
  readonly issuesAt: IssuesAt;
  readonly placeholder?: string;
  readonly hint?: string;
  readonly step?: string;
}) {
  const issues = issuesAt(fieldKey);
  return (
    <Field fieldKey={fieldKey} label={label} issues={issues} {...(hint !== undefined ? { hint } : {})}>
      <input
        {...fieldAttrs(fieldKey, issues)}
        type="number"
        step={step}
        inputMode="decimal"
        value={form[field]}
        placeholder={placeholder}
        onChange={(e) => update({ [field]: e.target.value } as Partial<MonitorForm>)}
      />
    </Field>
  );
}

function MetricField({ form, update, issuesAt }: { form: MonitorForm; update: Update; issuesAt: IssuesAt }) {
  const issues = issuesAt("/analyzer/metric");
  return (
    <Field
      fieldKey="/analyzer/metric"
      label="Metric"
      issues={issues}
      hint="Per column (mean, null_ratio, …), per dataset (row_count, column_count) or a whylogs key (counts/n)."
    >
      <input
        {...fieldAttrs("/analyzer/metric", issues)}
        list="monitor-metrics"
        value={form.metric}
        placeholder="mean"
        autoComplete="off"
        onChange={(e) => update({ metric: e.target.value })}
      />
      <datalist id="monitor-metrics">
        {[...COLUMN_METRICS, ...DATASET_METRICS].map((m) => (
          <option key={m} value={m} />
        ))}
      </datalist>
    </Field>
  );
}

function DirectionField({
  form,
  update,
  issuesAt,
}: {
  form: MonitorForm;
  update: Update;
  issuesAt: IssuesAt;
}) {
  const issues = issuesAt("/analyzer/direction");
  return (
    <Field fieldKey="/analyzer/direction" label="Direction" issues={issues}>
      <select
        {...fieldAttrs("/analyzer/direction", issues)}
        value={form.direction}
        onChange={(e) => update({ direction: e.target.value as Direction })}
      >
        {DIRECTIONS.map((d) => (
          <option key={d} value={d}>
            {d === "both"
              ? "Both (too high or too low)"
              : d === "up"
                ? "Up (only too high)"
                : "Down (only too low)"}
          </option>
        ))}
      </select>
    </Field>
  );
}

function PerformanceMetricField({
  form,
  update,
  issuesAt,
}: {
  form: MonitorForm;
  update: Update;
  issuesAt: IssuesAt;
}) {
  const issues = issuesAt("/analyzer/metric");
  return (
    <Field fieldKey="/analyzer/metric" label="Metric" issues={issues}>
      <select
        {...fieldAttrs("/analyzer/metric", issues)}
        value={form.perfMetric}
        onChange={(e) => update({ perfMetric: e.target.value })}
      >
        {PERFORMANCE_METRICS.map((m) => (
          <option key={m} value={m}>
            {m}
          </option>
        ))}
      </select>
    </Field>
  );
}

export function AnalyzerFields({
  form,
  update,
  issuesAt,
}: {
  form: MonitorForm;
  update: Update;
  issuesAt: IssuesAt;
}) {
  const props = { form, update, issuesAt };
  const general = issuesAt("/analyzer");
  switch (form.type) {
    case "drift": {
      const methodIssues = issuesAt("/analyzer/method");
      const method = form.method as (typeof DRIFT_METHODS)[number];
      const pValue = method === "auto" || method === "ks" || method === "chi_square";
      return (
        <div className="mon-grid">
          <Field fieldKey="/analyzer/method" label="Method" issues={methodIssues}>
            <select
              {...fieldAttrs("/analyzer/method", methodIssues)}
              value={form.method}
              onChange={(e) => update({ method: e.target.value })}
            >
              {DRIFT_METHODS.map((m) => (
                <option key={m} value={m}>
                  {m === "auto" ? "auto (KS / chi-square, PSI or JS for large samples)" : m}
                </option>
              ))}
            </select>
          </Field>
          <NumberField
            {...props}
            field="threshold"
            fieldKey="/analyzer/threshold"
            label="Threshold"
            placeholder={`default: ${DRIFT_DEFAULT_THRESHOLD[method] ?? "method's"}`}
            hint={
              pValue
                ? "A p-value in (0, 1): drift when the corrected p-value is below it."
                : "A distance > 0: drift when the distance (minus its error bound) reaches it."
            }
          />
          <NumberField
            {...props}
            field="minCount"
            fieldKey="/analyzer/minCount"
            label="Minimum count"
            placeholder="1"
            step="1"
            hint="Columns with fewer non-null values are not scored."
          />
          <FieldErrors fieldKey="/analyzer" issues={general} />
        </div>
      );
    }
    case "fixed":
      return (
        <div className="mon-grid">
          <MetricField {...props} />
          <NumberField
            {...props}
            field="lower"
            fieldKey="/analyzer/lower"
            label="Lower bound"
            placeholder="none"
          />
          <NumberField
            {...props}
            field="upper"
            fieldKey="/analyzer/upper"
            label="Upper bound"
            placeholder="none"
          />
          <FieldErrors fieldKey="/analyzer" issues={general} />
        </div>
      );
    case "stddev":
      return (
        <div className="mon-grid">
          <MetricField {...props} />
          <NumberField
            {...props}
            field="factor"
            fieldKey="/analyzer/factor"
            label="Factor (σ)"
            placeholder="3"
          />
          <NumberField
            {...props}
            field="minBuckets"
            fieldKey="/analyzer/minBuckets"
            label="Minimum baseline buckets"
            placeholder="3"
            step="1"
          />
          <DirectionField {...props} />
          <FieldErrors fieldKey="/analyzer" issues={general} />
        </div>
      );
    case "percent_change":
      return (
        <div className="mon-grid">
          <MetricField {...props} />
          <NumberField
            {...props}
            field="percent"
            fieldKey="/analyzer/percent"
            label="Percent"
            placeholder="20"
            hint="20 alarms beyond ±20 % of the baseline value."
          />
          <DirectionField {...props} />
          <FieldErrors fieldKey="/analyzer" issues={general} />
        </div>
      );
    case "missing_data":
      return (
        <div className="mon-grid">
          <NumberField
            {...props}
            field="minRows"
            fieldKey="/analyzer/minRows"
            label="Minimum rows"
            placeholder="1"
            step="1"
          />
          <FieldErrors fieldKey="/analyzer" issues={general} />
        </div>
      );
    case "schema_change":
      return (
        <fieldset className="mon-plain">
          <legend>Changes that count</legend>
          {(
            [
              ["added", "Added columns"],
              ["removed", "Removed columns"],
              ["typeChanged", "Type changes"],
            ] as const
          ).map(([key, label]) => (
            <label key={key} className="mon-check">
              <input
                {...fieldAttrs(`/analyzer/${key}`, issuesAt(`/analyzer/${key}`))}
                type="checkbox"
                checked={form[key]}
                onChange={(e) => update({ [key]: e.target.checked } as Partial<MonitorForm>)}
              />{" "}
              {label}
            </label>
          ))}
          <FieldErrors fieldKey="/analyzer" issues={general} />
        </fieldset>
      );
    case "data_quality":
      return (
        <div className="mon-grid">
          <fieldset className="mon-plain">
            <legend id={fieldId("/analyzer/checks")} tabIndex={-1}>
              Checks
            </legend>
            <ul className="mon-checks">
              {QUALITY_CHECKS.map((c) => (
                <li key={c}>
                  <label className="mon-check">
                    <input
                      type="checkbox"
                      checked={form.checks.includes(c)}
                      onChange={(e) =>
                        update({
                          checks: e.target.checked ? [...form.checks, c] : form.checks.filter((x) => x !== c),
                        })
                      }
                    />{" "}
                    {c.replace(/_/g, " ")}
                  </label>
                </li>
              ))}
            </ul>
            <FieldErrors fieldKey="/analyzer/checks" issues={issuesAt("/analyzer/checks")} />
          </fieldset>
          <NumberField
            {...props}
            field="missingIncrease"
            fieldKey="/analyzer/missingIncrease"
            label="Missing-share increase"
            placeholder="0.05"
            hint="In (0, 1]: the absolute growth of the missing share that matters."
          />
          <NumberField
            {...props}
            field="significance"
            fieldKey="/analyzer/significance"
            label="Significance"
            placeholder="0.001"
            hint="In (0, 1): how unlikely by chance a count-based finding must be."
          />
          <FieldErrors fieldKey="/analyzer" issues={general} />
        </div>
      );
    case "performance_drop":
    case "estimated_performance_drop":
      return (
        <div className="mon-grid">
          <PerformanceMetricField {...props} />
          <NumberField
            {...props}
            field="maxDrop"
            fieldKey="/analyzer/maxDrop"
            label="Maximum drop"
            placeholder="0.05"
            hint="In (0, 1], absolute, in the metric's units."
          />
          {form.type === "performance_drop" ? (
            <NumberField
              {...props}
              field="minLabeled"
              fieldKey="/analyzer/minLabeled"
              label="Minimum labeled rows"
              placeholder="30"
              step="1"
            />
          ) : null}
          <NumberField
            {...props}
            field="confidence"
            fieldKey="/analyzer/confidence"
            label="Confidence"
            placeholder="0.95"
            hint="In (0, 1): of the interval around the bucket's metric."
          />
          <FieldErrors fieldKey="/analyzer" issues={general} />
        </div>
      );
  }
}

export function BaselineFields({
  form,
  update,
  issuesAt,
  referenceNames,
  frequency,
}: {
  readonly form: MonitorForm;
  readonly update: Update;
  readonly issuesAt: IssuesAt;
  readonly referenceNames: readonly string[];
  readonly frequency: Project["frequency"];
}) {
  const typeIssues = [...issuesAt("/baseline"), ...issuesAt("/baseline/type")];
  const refIssues = issuesAt("/baseline/name");
  const unit = frequency === "hour" ? "hourly" : frequency === "day" ? "daily" : "weekly";
  return (
    <div className="mon-grid">
      <Field fieldKey="/baseline/type" label="Baseline" issues={typeIssues}>
        <select
          {...fieldAttrs("/baseline/type", typeIssues)}
          value={form.baselineType}
          onChange={(e) => update({ baselineType: e.target.value as MonitorForm["baselineType"] })}
        >
          <option value="trailing">Trailing buckets</option>
          <option value="reference">Reference profile</option>
          <option value="range">Fixed time range</option>
        </select>
      </Field>
      {form.baselineType === "trailing" ? (
        <NumberField
          form={form}
          update={update}
          issuesAt={issuesAt}
          field="buckets"
          fieldKey="/baseline/buckets"
          label="Trailing buckets"
          placeholder="7"
          step="1"
          hint={`The ${unit} buckets just before the evaluated one (1–365).`}
        />
      ) : form.baselineType === "reference" ? (
        <Field fieldKey="/baseline/name" label="Reference profile" issues={refIssues}>
          <input
            {...fieldAttrs("/baseline/name", refIssues)}
            list="monitor-references"
            value={form.reference}
            autoComplete="off"
            placeholder={referenceNames[0] ?? "launch"}
            onChange={(e) => update({ reference: e.target.value })}
          />
          <datalist id="monitor-references">
            {referenceNames.map((n) => (
              <option key={n} value={n} />
            ))}
          </datalist>
        </Field>
      ) : (
        <>
          <Field
            fieldKey="/baseline/start"
            label="Baseline start"
            issues={issuesAt("/baseline/start")}
            hint="Your time zone."
          >
            <input
              {...fieldAttrs("/baseline/start", issuesAt("/baseline/start"))}
              type="datetime-local"
              value={form.rangeStart}
              onChange={(e) => update({ rangeStart: e.target.value })}
            />
          </Field>
          <Field
            fieldKey="/baseline/end"
            label="Baseline end"
            issues={issuesAt("/baseline/end")}
            hint="Exclusive."
          >
            <input
              {...fieldAttrs("/baseline/end", issuesAt("/baseline/end"))}
              type="datetime-local"
              value={form.rangeEnd}
              onChange={(e) => update({ rangeEnd: e.target.value })}
            />
          </Field>
        </>
      )}
    </div>
  );
}
