// Data the UI tests upload besides the demo: a wide project (1,200 columns), a year of daily buckets, and
// hostile strings as column names and category values.
import { DatasetProfile } from "@sightglass/profile";
import { rng } from "../../../packages/analysis/test/support/samples.js";
import { ADMIN_KEY, call, createProject, waitForMerges } from "../../server/support.js";

const DAY = 86_400_000;

/** Strings that would run or break markup if the UI rendered data as HTML. */
export const HOSTILE = {
  script: `<script>window.__pwned = 1; alert("column")</script>`,
  image: `<img src=x onerror="window.__pwned = 2">`,
  quotes: `he said "it's" \`fine\``,
  rtl: "\u202eסכום הכנסה\u202c عمود",
  long: `long-${"x".repeat(10_000)}`,
} as const;

async function upload(base: string, project: string, bytes: Uint8Array): Promise<void> {
  const res = await call(base, "POST", `/api/v1/projects/${project}/profiles`, { key: ADMIN_KEY, bytes });
  if (res.status !== 200 && res.status !== 201 && res.status !== 202) {
    throw new Error(`upload: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

function dayStart(daysAgo: number): number {
  return (Math.floor(Date.now() / DAY) - daysAgo) * DAY;
}

/** `columns` numeric columns, `days` daily profiles ending yesterday, 40 rows a day. */
export async function seedWideProject(base: string, columns: number, days: number): Promise<string> {
  const project = await createProject(base, { id: "wide", name: "Wide table", frequency: "day" });
  const next = rng(7);
  for (let d = days; d >= 1; d--) {
    const data: Record<string, number[]> = {};
    for (let c = 0; c < columns; c++) {
      data[`feature_${String(c).padStart(4, "0")}`] = Array.from({ length: 40 }, () => next() * (c + 1));
    }
    await upload(
      base,
      project,
      new DatasetProfile({ datasetTimestamp: dayStart(d) }).track(data).view().serialize(),
    );
  }
  await waitForMerges(base, project);
  return project;
}

/** Two numeric columns over 365 daily buckets ending yesterday. */
export async function seedYearProject(base: string): Promise<string> {
  const project = await createProject(base, { id: "year", name: "A year of days", frequency: "day" });
  const next = rng(11);
  for (let d = 365; d >= 1; d--) {
    const season = Math.sin((2 * Math.PI * d) / 365);
    const latency = Array.from({ length: 60 }, () => 100 + 20 * season + 10 * next());
    const size = Array.from({ length: 60 }, () => Math.floor(next() * 1000));
    await upload(
      base,
      project,
      new DatasetProfile({ datasetTimestamp: dayStart(d) }).track({ latency, size }).view().serialize(),
    );
  }
  await waitForMerges(base, project, ADMIN_KEY, 120_000);
  return project;
}

/** Column names and category values made of HOSTILE strings, on two days a week apart (a window and its baseline). */
export async function seedHostileProject(base: string): Promise<string> {
  const project = await createProject(base, {
    id: "hostile",
    name: `Hostile ${HOSTILE.script}`,
    frequency: "day",
  });
  const values = Object.values(HOSTILE);
  for (const d of [9, 1]) {
    const data: Record<string, unknown[]> = {};
    for (const name of values) data[name] = Array.from({ length: 50 }, (_, i) => i * d);
    data["category"] = Array.from({ length: 50 }, (_, i) => values[i % values.length]);
    await upload(
      base,
      project,
      new DatasetProfile({ datasetTimestamp: dayStart(d) }).track(data).view().serialize(),
    );
  }
  await waitForMerges(base, project);
  return project;
}
