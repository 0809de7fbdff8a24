// Monitors end to end on the real California housing split (../shared): 54 days around the switch from the
// reference period to the analysis period are streamed as one profile per hour (moved in time so that the stream
// ends yesterday), with each row's label arriving three days after its prediction. Checked against scipy on the
// raw rows: the default input-drift monitor flags exactly the (day, column) pairs a two-sample KS test with
// Benjamini–Hochberg flags; the accuracy monitor alarms exactly on the days whose Wilson interval lies below the
// reference's accuracy minus 0.1. Each late-label delivery re-evaluates exactly its day, and the webhook receives
// a signed alert for each accuracy incident.
import { execFile } from "node:child_process";
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DatasetProfile, LabelJoiner } from "@sightglass/profile";
import { verifyWebhookSignature } from "@sightglass/server";
import { haveHousing, housingDir } from "../cli/support.js";
import {
  ADMIN_KEY,
  call,
  createProject,
  startTestServer,
  waitForMerges,
  waitForMonitors,
} from "./support.js";
import type { TestServer } from "./support.js";
import { HOUSING_FEATURES, HOUSING_SPEC, readCsv } from "./housing.js";

const run = promisify(execFile);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const FIRST_DAY = "2021-05-20";
const LAST_DAY = "2021-07-12";
const LABEL_DELAY_DAYS = 3;
const INPUTS = HOUSING_FEATURES;
const SPEC = HOUSING_SPEC;
const SECRET = "housing-webhook-secret-0123456789";
const PROJECT = "housing-monitors";

type Row = Record<string, string>;

const dayOf = (timestamp: string) => timestamp.slice(0, 10);
const utc = (timestamp: string) => Date.parse(`${timestamp.replace(" ", "T")}Z`);

interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

describe.skipIf(!haveHousing)(
  `Monitors on California housing${haveHousing ? "" : " (skipped: ../shared/data/california_housing is absent)"}`,
  () => {
    let t: TestServer;
    let receiver: Server;
    const received: Received[] = [];
    const byDay = new Map<string, Row[]>();
    let days: string[] = [];
    /** Added to every timestamp: the stream's last day becomes yesterday. */
    let shift = 0;
    let reference: Row[] = [];
    const api = (method: string, path: string, body?: unknown) =>
      call(t.url, method, `/api/v1/projects/${PROJECT}${path}`, { key: ADMIN_KEY, body });

    beforeAll(async () => {
      reference = (await readCsv(join(housingDir, "reference.csv"))).rows;
      const analysis = (await readCsv(join(housingDir, "analysis.csv"))).rows;
      const truth = new Map(
        (await readCsv(join(housingDir, "analysis_gt.csv"))).rows.map((r) => [r["id"]!, r]),
      );
      for (const r of analysis) r["clf_target"] = truth.get(r["id"]!)!["clf_target"]!;
      for (const r of [...reference, ...analysis]) {
        const day = dayOf(r["timestamp"]!);
        if (day < FIRST_DAY || day > LAST_DAY) continue;
        byDay.set(day, [...(byDay.get(day) ?? []), r]);
      }
      days = [...byDay.keys()].sort();
      shift = Math.floor(Date.now() / DAY) * DAY - DAY - utc(`${LAST_DAY} 00:00:00`);

      receiver = createServer((req, res) => {
        let body = "";
        req.setEncoding("utf8");
        req.on("data", (chunk: string) => (body += chunk));
        req.on("end", () => {
          received.push({ headers: req.headers, body });
          res.writeHead(200).end();
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
      const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alerts`;

      t = await startTestServer("sqlite", "housing_monitors", { monitorIntervalMs: 50 });
      await createProject(t.url, { id: PROJECT, name: "California housing monitors", frequency: "day" });
      expect(
        (await api("PUT", "/monitor-settings", { readinessDelay: 0, settle: 0, backfillHorizon: "400d" }))
          .status,
      ).toBe(200);
      const channel = await call(t.url, "POST", "/api/v1/organizations/default/channels", {
        key: ADMIN_KEY,
        body: { name: "ml-oncall", kind: "webhook", config: { url: hook, secret: SECRET } },
      });
      expect(channel.status).toBe(201);
      // The training data, with labels, as the reference the accuracy is held against.
      const training = new DatasetProfile({
        performance: SPEC,
        datasetTimestamp: utc(reference[0]!["timestamp"]!),
      })
        .track(columnsOf(reference, true))
        .view()
        .serialize();
      const put = await call(t.url, "PUT", `/api/v1/projects/${PROJECT}/references/training`, {
        key: ADMIN_KEY,
        bytes: training,
      });
      expect(put.status).toBe(201);
      const monitor = await api("POST", "/monitors", {
        name: "Accuracy drop",
        analyzer: { type: "performance_drop", metric: "accuracy", maxDrop: 0.1, minLabeled: 20 },
        baseline: { type: "reference", name: "training" },
        severity: "error",
        notify: { channels: [channel.body.id], mode: "immediate" },
      });
      expect(monitor.status).toBe(201);
    }, 120_000);

    afterAll(async () => {
      await t?.close();
      await new Promise((resolve) => receiver?.close(resolve));
    });

    function columnsOf(rows: readonly Row[], withTarget: boolean): Record<string, unknown[]> {
      const out: Record<string, unknown[]> = {};
      for (const c of [...INPUTS, "y_pred", "y_pred_proba", ...(withTarget ? ["clf_target"] : [])])
        out[c] = rows.map((r) => Number(r[c]));
      return out;
    }

    it("streams hourly profiles and late labels; every day is judged as it arrives", async () => {
      const joiner = new LabelJoiner({ performance: SPEC, idColumn: "id", keep: ["timestamp"] });
      const stepRuns: { day: string; runs: { bucketStart: number; reason: string }[] }[] = [];
      let seen = new Set<string>();
      const newRuns = async () => {
        const all = (await api("GET", "/monitor-runs?limit=1000")).body.runs as {
          id: string;
          bucketStart: number;
          reason: string;
        }[];
        const fresh = all.filter((r) => !seen.has(r.id));
        seen = new Set(all.map((r) => r.id));
        return fresh;
      };
      for (const [i, day] of days.entries()) {
        const uploads: Promise<{ status: number }>[] = [];
        // The day's predictions, one profile per hour (labels unknown yet).
        for (const row of byDay.get(day)!) {
          joiner.addPredictions([
            {
              id: Number(row["id"]),
              y_pred: Number(row["y_pred"]),
              y_pred_proba: Number(row["y_pred_proba"]),
              timestamp: row["timestamp"],
            },
          ]);
          const bytes = new DatasetProfile({
            performance: SPEC,
            datasetTimestamp: utc(row["timestamp"]!) + shift,
          })
            .track(columnsOf([row], false))
            .view()
            .serialize();
          uploads.push(
            call(t.url, "POST", `/api/v1/projects/${PROJECT}/profiles`, { key: ADMIN_KEY, bytes }),
          );
        }
        // The labels of three days ago arrive, joined to their predictions and stamped with their hour.
        const labeledDay = days[i - LABEL_DELAY_DAYS];
        if (labeledDay !== undefined) {
          const rows = byDay.get(labeledDay)!;
          const joined = joiner.joinLabels({
            id: rows.map((r) => Number(r["id"])),
            clf_target: rows.map((r) => Number(r["clf_target"])),
          });
          expect(joined.unmatched).toEqual([]);
          for (const row of joined.rows) {
            const bytes = new DatasetProfile({
              performance: SPEC,
              datasetTimestamp: utc(row["timestamp"] as string) + shift,
            })
              .trackLateLabels([row])
              .view()
              .serialize();
            uploads.push(
              call(t.url, "POST", `/api/v1/projects/${PROJECT}/profiles`, { key: ADMIN_KEY, bytes }),
            );
          }
        }
        expect((await Promise.all(uploads)).every((u) => u.status === 201)).toBe(true);
        await waitForMerges(t.url, PROJECT);
        await waitForMonitors(t.url, PROJECT);
        stepRuns.push({ day, runs: await newRuns() });
      }

      // Each step re-evaluated its own day and the day whose labels it delivered, nothing else.
      const startOf = (day: string) => utc(`${day} 00:00:00`) + shift;
      for (const [i, step] of stepRuns.entries()) {
        const expected = new Set([startOf(step.day)]);
        const labeledDay = days[i - LABEL_DELAY_DAYS];
        if (labeledDay !== undefined) expected.add(startOf(labeledDay));
        expect(new Set(step.runs.map((r) => r.bucketStart)), `step ${step.day}`).toEqual(expected);
        if (labeledDay !== undefined) {
          // Usually one run; two when a busy machine spread the day's 24 label uploads over two merges.
          const reasons = step.runs.filter((r) => r.bucketStart === startOf(labeledDay)).map((r) => r.reason);
          expect(new Set(reasons), `labels of ${labeledDay}`).toEqual(new Set(["late-data"]));
        }
      }
    }, 600_000);

    it("flags drift and accuracy drops exactly where scipy on the raw rows does", async () => {
      const labeled = days.slice(0, days.length - LABEL_DELAY_DAYS);
      const request = join(await mkdtemp(join(tmpdir(), "sg-housing-monitors-")), "request.json");
      await writeFile(
        request,
        JSON.stringify({
          dir: housingDir,
          days,
          labeled,
          columns: INPUTS,
          trailing: 7,
          alpha: 0.001,
          confidence: 0.95,
          max_drop: 0.1,
        }),
      );
      const { stdout } = await run(
        inject("pythonPath"),
        [join(import.meta.dirname, "housing_monitors_oracle.py"), request],
        { maxBuffer: 64 * 1024 * 1024 },
      );
      const oracle = JSON.parse(stdout) as {
        drift: Record<string, string[]>;
        accuracy: Record<string, [number, number, number]>;
        reference_accuracy: number;
        dropped: string[];
      };
      const monitors = (await api("GET", "/monitors")).body.monitors as { id: string; name: string }[];
      const idOf = (name: string) => monitors.find((m) => m.name === name)!.id;
      const dayAt = (ms: number) => new Date(ms - shift).toISOString().slice(0, 10);
      const latest = async (monitor: string) => {
        const out = new Map<
          string,
          {
            column: string;
            anomaly: boolean;
            value: number | null;
            valueUpper: number | null;
            baselineValue: number | null;
          }
        >();
        let after: number | null = 0;
        while (after !== null) {
          const page = await api("GET", `/evaluations?monitor=${idOf(monitor)}&limit=5000&after=${after}`);
          for (const e of page.body.evaluations) out.set(`${dayAt(e.bucketStart)}|${e.column}`, e);
          after = page.body.next;
        }
        return out;
      };

      // Drift: the latest evaluation of every (day, input) against scipy's verdict.
      const drift = await latest("Input drift");
      let flagged = 0;
      for (const day of days.slice(1)) {
        for (const column of INPUTS) {
          const e = drift.get(`${day}|${column}`);
          expect(e, `${day} ${column}`).toBeDefined();
          const expected = (oracle.drift[day] ?? []).includes(column);
          expect(e!.anomaly, `${day} ${column}`).toBe(expected);
          if (expected) flagged++;
        }
      }
      // The shift is real: the geography moves around the reference → analysis boundary.
      expect(flagged).toBeGreaterThan(50);
      expect(oracle.drift["2021-06-01"]).toContain("Latitude");

      // Accuracy: the value is the day's exact accuracy, the anomaly where the Wilson interval is below the limit.
      const accuracy = await latest("Accuracy drop");
      for (const day of labeled) {
        const e = accuracy.get(`${day}|`)!;
        const [value, , upper] = oracle.accuracy[day]!;
        expect(e.value, day).toBeCloseTo(value, 12);
        expect(e.valueUpper, day).toBeCloseTo(upper, 9);
        expect(e.baselineValue, day).toBeCloseTo(oracle.reference_accuracy, 12);
        expect(e.anomaly, day).toBe(oracle.dropped.includes(day));
      }
      expect(oracle.dropped.length).toBeGreaterThan(0);
      // The last three days' labels have not arrived: nothing labeled to judge yet.
      for (const day of days.slice(-LABEL_DELAY_DAYS)) expect(accuracy.get(`${day}|`)!.value, day).toBeNull();

      // One signed alert per accuracy incident, each for an anomalous day.
      const incidents = (await api("GET", `/anomalies?monitor=${idOf("Accuracy drop")}`)).body.anomalies as {
        id: string;
        firstBucket: number;
      }[];
      expect(incidents.length).toBeGreaterThan(0);
      const accuracyAlerts = () =>
        received.filter(
          (r) =>
            r.headers["x-sightglass-event"] === "anomaly.opened" && r.body.includes(idOf("Accuracy drop")),
        );
      for (let i = 0; i < 200 && accuracyAlerts().length < incidents.length; i++)
        await new Promise((resolve) => setTimeout(resolve, 50));
      const alerts = received
        .filter((r) => r.headers["x-sightglass-event"] === "anomaly.opened")
        .map((r) => {
          expect(
            verifyWebhookSignature(
              SECRET,
              String(r.headers["x-sightglass-timestamp"]),
              r.body,
              String(r.headers["x-sightglass-signature"]),
            ),
          ).toBe(true);
          return JSON.parse(r.body) as { anomaly: { id: string; monitorId: string } };
        })
        .filter((a) => a.anomaly.monitorId === idOf("Accuracy drop"));
      expect(new Set(alerts.map((a) => a.anomaly.id))).toEqual(new Set(incidents.map((i) => i.id)));
      for (const i of incidents) expect(oracle.dropped).toContain(dayAt(i.firstBucket));
    }, 120_000);
  },
);
