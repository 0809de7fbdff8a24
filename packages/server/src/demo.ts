// The demo project: a deterministic generator of a credit-approval model's traffic, profiled hourly per region
// and stored through the normal ingestion path. It carries the problems Sightglass exists to catch: an upstream
// change that shifts `income` and the `channel` mix on a known day, labels that arrive three days after their
// predictions (the latest three days are still awaiting them), and one region where the model is worse. Its
// first two weeks are also stored as the reference profile "training".
import { SegmentedProfile } from "@sightglass/profile";
import type { Store } from "./db/connect.js";
import { parseMonitorConfig } from "./monitors/config.js";
import { createMonitor, installDefaultMonitors } from "./monitors/store.js";
import { ingestProfile, ingestorOf } from "./store/ingest.js";

export const DEMO_PROJECT_ID = "demo-credit";
export const DEMO_ORG_ID = "default";
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The demo's reference profile: its first two weeks of traffic. */
export const DEMO_REFERENCE = "training";
const TRAINING_DAYS = 14;
const PERFORMANCE = {
  task: "classification",
  prediction: "approved",
  target: "repaid",
  scores: "score",
  positiveLabel: "1",
} as const;
const REGIONS = ["north", "south", "east", "west"] as const;
const CHANNELS = ["web", "mobile", "branch", "partner"] as const;

/** xorshift32: the same demo on every machine and every run. */
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

function normal(next: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}

export interface DemoOptions {
  readonly days?: number;
  /** End of the generated traffic (default: the current hour). */
  readonly end?: number;
  readonly rowsPerHour?: number;
}

export interface DemoFacts {
  readonly projectId: string;
  readonly start: number;
  readonly end: number;
  /** The hour the upstream change begins. */
  readonly driftStart: number;
  readonly driftedColumns: readonly string[];
  readonly worseSegment: { readonly key: string; readonly value: string };
  readonly labelDelayDays: number;
  /** Name of the reference profile holding the first two weeks. */
  readonly reference: string;
}

/** Generates and stores the demo project unless it exists. Returns what was injected, for tests and docs. */
export async function seedDemo(store: Store, options: DemoOptions = {}): Promise<DemoFacts> {
  const days = options.days ?? 60;
  const end = Math.floor((options.end ?? Date.now()) / HOUR) * HOUR;
  const start = end - days * DAY;
  const facts: DemoFacts = {
    projectId: DEMO_PROJECT_ID,
    start,
    end,
    // Noon UTC (busy hours, so the first changed hour is already detectable) about five days before the end:
    // inside the UI's default 7-day window, whose preceding week is still clean.
    driftStart: Math.max(start + DAY, Math.floor((end - 5 * DAY) / DAY) * DAY) + 12 * HOUR,
    driftedColumns: ["income", "channel"],
    worseSegment: { key: "region", value: "east" },
    labelDelayDays: 3,
    reference: DEMO_REFERENCE,
  };
  const existing = await store.db
    .selectFrom("projects")
    .select("id")
    .where("id", "=", DEMO_PROJECT_ID)
    .executeTakeFirst();
  if (existing !== undefined) return facts;
  const org = await store.db
    .selectFrom("organizations")
    .select("id")
    .where("id", "=", DEMO_ORG_ID)
    .executeTakeFirst();
  if (org === undefined)
    await store.db
      .insertInto("organizations")
      .values({ id: DEMO_ORG_ID, name: "Default organization", created_at: Date.now() })
      .execute();
  const project = {
    id: DEMO_PROJECT_ID,
    dataset_id: DEMO_PROJECT_ID,
    org_id: DEMO_ORG_ID,
    name: "Credit approval (demo)",
    description:
      "Generated traffic of a credit-approval classifier: an upstream change, late labels and a weaker region.",
    frequency: "hour" as const,
    time_zone: "UTC",
    created_at: Date.now(),
  };
  await store.db.transaction().execute(async (tx) => {
    await tx.insertInto("projects").values(project).execute();
    await installDefaultMonitors(tx, project.id, project.created_at);
    // Model quality against the first week, whose labels are all in: realized where labels arrived,
    // estimated (CBPE) for the last days that still wait for theirs.
    const firstWeek = { type: "range", start, end: start + 7 * DAY };
    for (const monitor of [
      {
        name: "Accuracy drop",
        analyzer: { type: "performance_drop", metric: "accuracy", maxDrop: 0.05 },
        baseline: firstWeek,
        severity: "error",
      },
      {
        // Against the training data the change stays visible for as long as it lasts (the trailing-window
        // monitor absorbs it within hours): the incidents a model owner would keep open.
        name: "Drift from training",
        description:
          'Distribution drift of every input column against the training data (reference "training").',
        analyzer: { type: "drift", method: "auto", threshold: 0.001 },
        targets: { include: ["group:inputs"] },
        baseline: { type: "reference", name: DEMO_REFERENCE },
        severity: "error",
      },
      {
        name: "Estimated accuracy drop",
        analyzer: { type: "estimated_performance_drop", metric: "accuracy", maxDrop: 0.05 },
        baseline: firstWeek,
        severity: "error",
      },
    ]) {
      await createMonitor(tx, project.id, parseMonitorConfig(monitor), null, project.created_at);
    }
    // The seeded history is older than the default backfill horizon: evaluate all of it.
    await tx
      .insertInto("monitor_settings")
      .values({
        project_id: project.id,
        readiness_delay_ms: 5 * 60_000,
        backfill_horizon_ms: (days + 30) * DAY,
        settle_ms: 1000,
        clock_cursor: null,
        updated_at: project.created_at,
      })
      .execute();
  });
  const seed = 20261204;
  const rowsPerHour = options.rowsPerHour ?? 120;
  const labelsUntil = end - facts.labelDelayDays * DAY;
  // The model's training data: the first two weeks (before the change), stored first as the reference profile
  // "training" (per region too) so that monitors comparing with it have it from the first bucket. Generated
  // from the same draws as the traffic below, so the reference holds exactly those weeks' rows.
  const trainingUntil = Math.min(start + TRAINING_DAYS * DAY, facts.driftStart);
  const training = new SegmentedProfile({
    datasetTimestamp: start,
    segmentation: { columns: ["region"] },
    performance: PERFORMANCE,
  });
  const draws = random(seed);
  for (let hour = start; hour < trainingUntil; hour += HOUR) {
    training.track(demoHour(hour, draws, facts, rowsPerHour, labelsUntil));
  }
  for (const view of training.views()) {
    await ingestProfile(store, {
      project,
      bytes: view.serialize(),
      source: "api",
      referenceName: DEMO_REFERENCE,
      now: trainingUntil,
    });
  }
  const next = random(seed);
  const merges: Promise<unknown>[] = [];
  const ingestor = ingestorOf(store);
  for (let hour = start; hour < end; hour += HOUR) {
    const columns = demoHour(hour, next, facts, rowsPerHour, labelsUntil);
    const profile = new SegmentedProfile({
      datasetTimestamp: hour,
      segmentation: { columns: ["region"] },
      performance: PERFORMANCE,
    });
    profile.track(columns);
    for (const view of profile.views()) {
      const result = await ingestProfile(store, {
        project,
        bytes: view.serialize(),
        source: "api",
        now: hour + HOUR + 5 * 60_000,
      });
      merges.push(result.merged);
    }
    // A day's uploads merge together, at once rather than after the batching delay; merging per day keeps the
    // pending set (and memory) small.
    if (merges.length >= 24 * REGIONS.length) {
      await ingestor.flush();
      await Promise.all(merges.splice(0));
    }
  }
  await ingestor.flush();
  await Promise.all(merges);
  return facts;
}

/** One hour of the demo's traffic, drawing from `next` (the same draws give the same rows). */
function demoHour(
  hour: number,
  next: () => number,
  facts: { readonly driftStart: number },
  rowsPerHour: number,
  labelsUntil: number,
): Record<string, unknown[]> {
  const drifted = hour >= facts.driftStart;
  const columns: Record<string, unknown[]> = {
    age: [],
    income: [],
    credit_score: [],
    channel: [],
    region: [],
    approved: [],
    score: [],
    repaid: [],
  };
  // Daily seasonality in volume: quieter at night.
  const hourOfDay = new Date(hour).getUTCHours();
  const rows = Math.round(rowsPerHour * (0.6 + 0.4 * Math.sin(((hourOfDay - 6) / 24) * 2 * Math.PI)));
  for (let i = 0; i < rows; i++) {
    const region = REGIONS[Math.floor(next() * REGIONS.length)]!;
    const age = Math.max(18, Math.round(42 + 12 * normal(next)));
    // The upstream change: income reported in a different unit mix (≈ +35%) and a new partner channel push.
    const income = Math.round(Math.exp(10.8 + 0.45 * normal(next)) * (drifted ? 1.35 : 1));
    const creditScore = Math.round(Math.min(850, Math.max(300, 680 + 60 * normal(next))));
    const u = next();
    const channel = drifted
      ? u < 0.25
        ? "web"
        : u < 0.45
          ? "mobile"
          : u < 0.55
            ? "branch"
            : "partner"
      : CHANNELS[Math.floor(u * 3.2) % 4]!;
    const risk =
      1 /
      (1 + Math.exp(-(-(creditScore - 680) / 45 - (Math.log(income) - 10.8) * 1.2 + (age < 25 ? 0.6 : 0))));
    // The model sees the same features but is noisier in the east region.
    const noise = region === "east" ? 0.7 : 0.1;
    const score = Math.min(1, Math.max(0, 1 - risk + noise * normal(next) * 0.5));
    const defaulted = next() < risk ? 1 : 0;
    columns.age!.push(age);
    columns.income!.push(i % 97 === 0 ? null : income);
    columns.credit_score!.push(creditScore);
    columns.channel!.push(channel);
    columns.region!.push(region);
    columns.approved!.push(score >= 0.5 ? 1 : 0);
    columns.score!.push(score);
    columns.repaid!.push(hour < labelsUntil ? 1 - defaulted : null);
  }
  return columns;
}
