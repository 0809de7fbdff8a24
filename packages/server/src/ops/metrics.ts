// Prometheus metrics: the service's own (requests, latency, uploads, bytes) and the ML signals derived from
// the stored profiles (freshness, volume, drift score per project and column). Label values come only from
// projects and columns that exist, capped per project, so a wide or hostile profile cannot explode the series.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<"method" | "route" | "status">;
  readonly requestSeconds: Histogram<"method" | "route">;
  readonly uploads: Counter<"project" | "format" | "outcome">;
  readonly uploadBytes: Counter<"project">;
  readonly freshness: Gauge<"project">;
  readonly volume: Gauge<"project">;
  readonly drift: Gauge<"project" | "column">;
  readonly openAnomalies: Gauge<"project" | "severity">;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "sightglass_process_" });
    this.requests = new Counter({
      name: "sightglass_http_requests_total",
      help: "HTTP requests by route template and status",
      labelNames: ["method", "route", "status"],
      registers: [this.registry],
    });
    this.requestSeconds = new Histogram({
      name: "sightglass_http_request_duration_seconds",
      help: "HTTP request latency by route template",
      labelNames: ["method", "route"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.uploads = new Counter({
      name: "sightglass_profile_uploads_total",
      help: "Profile uploads by project, format and outcome (stored, duplicate, rejected)",
      labelNames: ["project", "format", "outcome"],
      registers: [this.registry],
    });
    this.uploadBytes = new Counter({
      name: "sightglass_profile_upload_bytes_total",
      help: "Bytes of stored profile uploads",
      labelNames: ["project"],
      registers: [this.registry],
    });
    this.freshness = new Gauge({
      name: "sightglass_project_last_upload_age_seconds",
      help: "Seconds since the project's last profile upload",
      labelNames: ["project"],
      registers: [this.registry],
    });
    this.volume = new Gauge({
      name: "sightglass_project_rows_last_bucket",
      help: "Rows profiled in the project's latest bucket (whole dataset)",
      labelNames: ["project"],
      registers: [this.registry],
    });
    this.openAnomalies = new Gauge({
      name: "sightglass_project_open_anomalies",
      help: "Active (open or acknowledged) monitor anomalies of the project, by severity",
      labelNames: ["project", "severity"],
      registers: [this.registry],
    });
    this.drift = new Gauge({
      name: "sightglass_column_drift_score",
      help: "Drift score of the latest bucket against the one before, for the most drifted columns of each project",
      labelNames: ["project", "column"],
      registers: [this.registry],
    });
  }
}
