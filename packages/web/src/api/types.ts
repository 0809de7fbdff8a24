// Shapes of the server's JSON answers that the UI reads. The server's OpenAPI document (GET /openapi.json,
// packages/server/openapi.json) is the authority; these types restate the parts the pages use.

export type Frequency = "hour" | "day" | "week";
export type Role = "admin" | "member" | "viewer";
export type Severity = "critical" | "error" | "warning" | "info";
export type DriftCategory = "no_drift" | "possible_drift" | "drift";

export interface Organization {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
}

export interface Session {
  readonly user: { readonly id: string; readonly email: string; readonly name: string };
  readonly csrfToken: string;
  readonly organizations: readonly Organization[];
}

export interface Project {
  readonly id: string;
  readonly datasetId: string;
  readonly organizationId: string;
  readonly name: string;
  readonly description?: string;
  readonly frequency: Frequency;
  readonly timeZone: string;
  readonly createdAt: number;
}

export interface DriftResult {
  readonly method: string;
  readonly statistic: number;
  readonly pValue: number | null;
  readonly bound: number;
  readonly category: DriftCategory;
}

/** GET /api/v1/project-health?organization= — one row per project the caller can read. */
export interface ProjectHealth {
  readonly projectId: string;
  readonly openAnomalies: number;
  /** Open anomalies per severity (only severities with at least one). */
  readonly bySeverity: Partial<Record<Severity, number>>;
  /** Time the last profile was received (upload time), null when none ever was. */
  readonly lastUploadAt: number | null;
  /** Start of the latest bucket that has data. */
  readonly lastBucketStart: number | null;
  /** Rows per bucket over the trailing window (oldest first), for a sparkline. */
  readonly volume: readonly { readonly t: number; readonly rows: number }[];
}

/** GET /api/v1/projects/{id}/overview — one row per column for a window, compared with a baseline. */
export interface OverviewColumn {
  readonly name: string;
  readonly inferredType: string;
  readonly count: number;
  readonly nullCount: number;
  readonly nullRatio: number | null;
  readonly distinct: number | null;
  readonly mean: number | null;
  readonly drift: DriftResult | null;
  /** Why drift is null (no baseline, no values on one side, …). */
  readonly driftReason: string | null;
  readonly anomalies: { readonly open: number; readonly severity: Severity | null };
  /** A per-bucket trend over the window (at most 60 points): distribution/mean for numbers, else counts/n. */
  readonly sparkline: { readonly metric: string; readonly points: readonly (number | null)[] };
}

export interface Overview {
  readonly start: number;
  readonly end: number;
  readonly frequency: Frequency;
  readonly segment: string;
  readonly baseline:
    | { readonly kind: "range"; readonly start: number; readonly end: number }
    | { readonly kind: "reference"; readonly name: string }
    | null;
  /** Why there is no baseline (null when there is one). */
  readonly baselineReason: string | null;
  readonly rowCount: number;
  readonly bucketCount: number;
  readonly columns: readonly OverviewColumn[];
}

/** GET /api/v1/projects/{id}/distribution — a column's distribution in a window and its baseline. */
export interface Distribution {
  readonly column: string;
  readonly kind: "numeric" | "categorical" | null;
  readonly target: DistributionSide;
  readonly baseline: DistributionSide | null;
  readonly baselineRange:
    | { readonly kind: "range"; readonly start: number; readonly end: number }
    | { readonly kind: "reference"; readonly name: string }
    | null;
  /** Shared bin edges (length bins + 1) and each side's fraction of non-null numeric values per bin. */
  readonly histogram: {
    readonly edges: readonly number[];
    readonly target: readonly number[];
    readonly baseline: readonly number[] | null;
  } | null;
  /** Most frequent values over both sides, with each side's share of its non-null count. */
  readonly topItems:
    | readonly {
        readonly value: string;
        readonly target: number;
        readonly baseline: number | null;
      }[]
    | null;
  readonly drift: DriftResult | null;
  readonly driftReason: string | null;
}

export interface DistributionSide {
  readonly count: number;
  readonly nullCount: number;
  readonly inferredType: string;
  readonly distinct: number | null;
  readonly mean: number | null;
  readonly stddev: number | null;
  readonly min: number | null;
  readonly max: number | null;
  /** Quantiles at 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99 (null when the column has no numbers). */
  readonly quantiles: Readonly<Record<string, number>> | null;
}

/** GET /api/v1/projects/{id}/segment-comparison */
export interface SegmentComparison {
  readonly key: string;
  readonly metric: string;
  readonly start: number;
  readonly end: number;
  readonly overall: SegmentValue;
  readonly segments: readonly (SegmentValue & { readonly value: string; readonly segment: string })[];
  /** The segment furthest from the overall value and how far (null when fewer than two segments have values). */
  readonly disparity: {
    readonly worst: string;
    readonly difference: number;
    readonly ratio: number | null;
    /** True when the worst segment's interval excludes the overall value. */
    readonly significant: boolean;
  } | null;
}

export interface SegmentValue {
  readonly metricValue: number | null;
  readonly interval: readonly [number, number] | null;
  readonly count: number;
}

/** GET /api/v1/organizations/{orgId}/anomalies — the alerts feed across the organization's projects. */
export interface FeedAnomaly {
  readonly id: string;
  readonly projectId: string;
  readonly projectName: string;
  readonly monitorId: string;
  readonly monitorName: string;
  readonly analyzer: string;
  readonly column: string | null;
  readonly segment: string;
  readonly severity: Severity;
  readonly state: "open" | "acknowledged" | "resolved";
  readonly firstBucket: number;
  readonly lastBucket: number;
  /** End of the last anomalous bucket (exclusive). */
  readonly windowEnd: number;
  readonly value: number | null;
  readonly summary: string;
  readonly openedAt: number;
  readonly resolvedAt: number | null;
}

export interface ApiErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly field?: string;
    readonly requestId?: string;
    readonly issues?: readonly { readonly path: string; readonly message: string }[];
  };
}
