// Alert delivery end to end, on SQLite and PostgreSQL: anomalies queued through the outbox reach real local
// receivers — an HTTP server standing in for webhook receivers, Slack and PagerDuty, and an SMTP server — and
// every attempt is recorded. Time is driven through the `now` each tick is given, so retries, backoff and
// digest windows need no waiting.
import { createServer } from "node:http";
import type { IncomingHttpHeaders, Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { SMTPServer } from "smtp-server";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  AlertDispatcher,
  ApiError,
  DEFAULT_CONFIG,
  backoffDelay,
  buildApp,
  createApiKey,
  enqueueAlert,
  maskSecret,
  openStore,
  parseChannelConfig,
  redactChannelConfig,
  signWebhookBody,
  verifyWebhookSignature,
} from "@sightglass/server";
import type {
  AlertAnomaly,
  ChannelConfig,
  DispatcherOptions,
  MonitorSeverity,
  NotifySpec,
  Store,
} from "@sightglass/server";
import type { ChannelKind } from "../../packages/server/src/db/schema.js";
import { BACKENDS, storeFor } from "./support.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** 10:17 UTC: inside the 10:00–11:00 digest window. */
const T0 = Date.UTC(2024, 4, 1, 10, 17);
const PUBLIC_URL = "https://sightglass.example";
const ORG = "acme";
const OTHER_ORG = "globex";
const PROJECT = "demo-credit";
const SECRET = "whsec-0123456789abcdef";
const ROUTING_KEY = "R0UT1NGKEY0123456789abcdefABCDEF";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- request bodies of many shapes; a wrong field fails
type Json = any;

// ------------------------------------------------------------------------------------------ HTTP receiver

interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly json: Json;
}

interface Answer {
  readonly status: number;
  readonly headers?: Record<string, string>;
  /** Answer this late (longer than the dispatcher's timeout tests a timeout). */
  readonly delayMs?: number;
}

/** Records every request with its raw body; answers per path from a plan, then 200 (202 under /pd). */
class Receiver {
  readonly requests: Received[] = [];
  readonly #plans = new Map<string, Answer[]>();
  #server: Server | undefined;
  url = "";

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        const path = req.url ?? "";
        let json: Json;
        try {
          json = JSON.parse(body);
        } catch {
          json = undefined;
        }
        this.requests.push({ path, headers: req.headers, body, json });
        const answer = this.#plans.get(path)?.shift() ?? {
          status: path.startsWith("/pd") ? 202 : 200,
        };
        const reply = () => {
          res.writeHead(answer.status, { "content-type": "text/plain", ...answer.headers });
          res.end(answer.status < 300 ? "ok" : `planned ${answer.status}`);
        };
        if (answer.delayMs === undefined) reply();
        else setTimeout(reply, answer.delayMs).unref();
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** The next answers for a path. */
  plan(path: string, ...answers: (number | Answer)[]): void {
    this.#plans.set(
      path,
      answers.map((a) => (typeof a === "number" ? { status: a } : a)),
    );
  }

  on(path: string): Received[] {
    return this.requests.filter((r) => r.path === path);
  }

  async close(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise((resolve) => this.#server?.close(resolve));
  }
}

// -------------------------------------------------------------------------------------------- SMTP server

interface Mail {
  readonly from: string;
  readonly to: string[];
  readonly raw: string;
}

class Mailbox {
  readonly mails: Mail[] = [];
  #server: SMTPServer | undefined;
  url = "";

  async start(): Promise<void> {
    this.#server = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS"],
      disableReverseLookup: true,
      logger: false,
      onRcptTo: (address, _session, callback) => {
        if (address.address.startsWith("bounce@")) {
          callback(Object.assign(new Error("no such mailbox"), { responseCode: 550 }));
        } else callback();
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on("data", (c: Buffer) => chunks.push(c));
        stream.on("end", () => {
          this.mails.push({
            from: session.envelope.mailFrom === false ? "" : session.envelope.mailFrom.address,
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString("utf8"),
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, "127.0.0.1", () => resolve()));
    this.url = `smtp://127.0.0.1:${(this.#server.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }
}

/** A header of a raw message (unfolded). */
function header(raw: string, name: string): string | undefined {
  const head = raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, " ");
  return new RegExp(`^${name}:\\s*(.*)$`, "im").exec(head)?.[1]?.trim();
}

/** The decoded text of every MIME part of a message (quoted-printable or base64), concatenated. */
function mailText(raw: string): string {
  const out: string[] = [];
  const parts = raw.split(/\r?\n--[^\r\n]+\r?\n/);
  for (const part of parts) {
    const split = part.search(/\r?\n\r?\n/);
    if (split < 0) continue;
    const head = part.slice(0, split);
    const body = part.slice(split).trim();
    if (/content-transfer-encoding:\s*base64/i.test(head)) {
      out.push(Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8"));
    } else if (/content-transfer-encoding:\s*quoted-printable/i.test(head)) {
      const bytes = body
        .replace(/=\r?\n/g, "")
        .replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
      out.push(Buffer.from(bytes, "latin1").toString("utf8"));
    } else {
      out.push(body);
    }
  }
  return out.join("\n");
}

// ------------------------------------------------------------------------------------------------- fixtures

let nextId = 0;

async function seed(store: Store): Promise<void> {
  const db = store.db;
  for (const id of [ORG, OTHER_ORG])
    await db.insertInto("organizations").values({ id, name: id, created_at: T0 }).execute();
  await db
    .insertInto("projects")
    .values({
      id: PROJECT,
      dataset_id: PROJECT,
      org_id: ORG,
      name: "Demo credit",
      description: "",
      frequency: "hour",
      time_zone: "UTC",
      created_at: T0,
    })
    .execute();
  await db
    .insertInto("monitors")
    .values({
      id: "mon-drift",
      project_id: PROJECT,
      name: "income drift",
      config: JSON.stringify({ analyzer: { type: "drift" } }),
      version: 1,
      enabled: 1,
      created_at: T0,
      updated_at: T0,
      updated_by: null,
    })
    .execute();
}

/** An anomaly row (with its last evaluation), described as the monitor engine would describe it. */
async function anomaly(
  store: Store,
  options: { column?: string; severity?: MonitorSeverity; segment?: string; summary?: string } = {},
): Promise<AlertAnomaly> {
  const id = `anm-${++nextId}`;
  const column = options.column ?? "income";
  const segment = options.segment ?? "";
  const severity = options.severity ?? "warning";
  const summary = options.summary ?? "hellinger 0.52 ≥ 0.40 vs trailing 7 buckets";
  const evaluation = await store.db
    .insertInto("evaluations")
    .values({
      run_id: "run-1",
      project_id: PROJECT,
      monitor_id: "mon-drift",
      monitor_version: 1,
      analyzer: "drift",
      column_name: column,
      segment_key: segment,
      bucket_start: T0 - HOUR,
      metric: "hellinger",
      value: 0.523,
      value_lower: 0.5,
      value_upper: 0.54,
      threshold_lower: null,
      threshold_upper: 0.4,
      baseline_value: 0.31,
      anomaly: 1,
      details: "{}",
      bucket_version: 1,
      created_at: T0,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await store.db
    .insertInto("anomalies")
    .values({
      id,
      project_id: PROJECT,
      monitor_id: "mon-drift",
      column_name: column,
      segment_key: segment,
      active_key: `mon-drift|${column}|${segment}|${id}`,
      state: "open",
      severity,
      first_bucket: T0 - HOUR,
      last_bucket: T0 - HOUR,
      bucket_count: 1,
      summary,
      last_evaluation_id: Number(evaluation.id),
      opened_at: T0,
      updated_at: T0,
      acknowledged_at: null,
      acknowledged_by: null,
      resolved_at: null,
      resolved_by: null,
      resolution: null,
    })
    .execute();
  const query = new URLSearchParams({
    start: new Date(T0 - HOUR).toISOString(),
    end: new Date(T0 - HOUR).toISOString(),
  });
  if (segment !== "") query.set("segment", segment);
  return {
    id,
    projectId: PROJECT,
    projectName: "Demo credit",
    orgId: ORG,
    monitorId: "mon-drift",
    monitorName: "income drift",
    analyzer: "drift",
    severity,
    column,
    segment,
    firstBucket: T0 - HOUR,
    lastBucket: T0 - HOUR,
    bucketCount: 1,
    state: "open",
    summary,
    value: 0.523,
    threshold_lower: null,
    threshold_upper: 0.4,
    baseline_value: 0.31,
    url:
      column === ""
        ? `/projects/${PROJECT}/anomalies/${id}`
        : `/projects/${PROJECT}/columns/${encodeURIComponent(column)}?${query.toString()}`,
  };
}

async function channel(
  store: Store,
  kind: ChannelKind,
  config: Record<string, unknown>,
  org = ORG,
): Promise<string> {
  const id = `chn-${++nextId}`;
  await store.db
    .insertInto("channels")
    .values({
      id,
      org_id: org,
      name: `${kind} ${id}`,
      kind,
      config: JSON.stringify(parseChannelConfig(kind, config)),
      created_at: T0,
      updated_at: T0,
    })
    .execute();
  return id;
}

async function enqueue(
  store: Store,
  a: AlertAnomaly,
  event: "anomaly.opened" | "anomaly.resolved",
  notify: NotifySpec,
  now: number,
): Promise<void> {
  await store.db.transaction().execute((tx) => enqueueAlert(tx, a, event, notify, now));
}

const immediate = (...channels: string[]): NotifySpec => ({ channels, mode: "immediate" });

async function deliveriesOf(store: Store, channelId: string) {
  return store.db
    .selectFrom("deliveries")
    .selectAll()
    .where("channel_id", "=", channelId)
    .orderBy("created_at")
    .orderBy("id")
    .execute();
}

async function attemptsOf(store: Store, deliveryId: string) {
  return store.db
    .selectFrom("delivery_attempts")
    .selectAll()
    .where("delivery_id", "=", deliveryId)
    .orderBy("attempt")
    .execute();
}

// ----------------------------------------------------------------------------------- settings (no store)

describe("channel settings", () => {
  const fieldOf = (f: () => unknown): unknown => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(ApiError);
      expect((e as ApiError).code).toBe("bad-request");
      return (e as ApiError).details?.["field"];
    }
    throw new Error("expected a validation error");
  };

  it("names the offending field as a JSON pointer", () => {
    expect(fieldOf(() => parseChannelConfig("webhook", { url: "ftp://x", secret: SECRET }))).toBe(
      "/config/url",
    );
    expect(fieldOf(() => parseChannelConfig("webhook", { url: "https://x.test", secret: "short" }))).toBe(
      "/config/secret",
    );
    expect(
      fieldOf(() =>
        parseChannelConfig("webhook", {
          url: "https://x.test",
          secret: SECRET,
          headers: { "X-A": "a\r\nB: c" },
        }),
      ),
    ).toBe("/config/headers/X-A");
    expect(
      fieldOf(() =>
        parseChannelConfig("webhook", {
          url: "https://x.test",
          secret: SECRET,
          headers: { "X-Sightglass-Event": "x" },
        }),
      ),
    ).toBe("/config/headers/X-Sightglass-Event");
    expect(fieldOf(() => parseChannelConfig("slack", { url: "https://x.test", channel: "#ml" }))).toBe(
      "/config/channel",
    );
    expect(fieldOf(() => parseChannelConfig("pagerduty", { routingKey: "  " }))).toBe("/config/routingKey");
    expect(fieldOf(() => parseChannelConfig("email", { to: ["ops@example.com", "not an address"] }))).toBe(
      "/config/to/1",
    );
    expect(fieldOf(() => parseChannelConfig("email", { to: ["a@b.c"], smtpUrl: "http://mail" }))).toBe(
      "/config/smtpUrl",
    );
    expect(fieldOf(() => parseChannelConfig("email", { to: ["a@b.c"], from: "x\r\nBcc: y@z" }))).toBe(
      "/config/from",
    );
    expect(fieldOf(() => parseChannelConfig("email", []))).toBe("/config");
  });

  it("masks every secret and keeps stored secrets when the masked form comes back", () => {
    const webhook = parseChannelConfig("webhook", {
      url: "https://hooks.example/in",
      secret: SECRET,
      headers: { Authorization: "Bearer very-secret-token" },
    });
    const pagerduty = parseChannelConfig("pagerduty", { routingKey: ROUTING_KEY });
    const email = parseChannelConfig("email", {
      to: ["ops@example.com"],
      smtpUrl: "smtps://mailer:p%40ssw0rd-long-enough@mail.example:465",
    });
    const slack = parseChannelConfig("slack", {
      url: "https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX",
    });
    const shown = {
      webhook: redactChannelConfig("webhook", webhook),
      pagerduty: redactChannelConfig("pagerduty", pagerduty),
      email: redactChannelConfig("email", email),
      slack: redactChannelConfig("slack", slack),
    };
    const text = JSON.stringify(shown);
    for (const secret of [
      SECRET,
      "very-secret-token",
      ROUTING_KEY,
      "p%40ssw0rd",
      "p@ssw0rd",
      "XXXXsecretXXXX",
    ])
      expect(text).not.toContain(secret);
    expect(shown.webhook["secret"]).toBe(`••••${SECRET.slice(-4)}`);
    expect(shown.pagerduty["routingKey"]).toBe(maskSecret(ROUTING_KEY));
    expect(shown.email["smtpUrl"]).toMatch(/^smtps:\/\/mailer:.+@mail\.example:465$/);
    expect(shown.webhook["url"]).toBe("https://hooks.example/in");

    // Round trip: what the API showed, sent back, keeps the stored secrets.
    const round = (kind: ChannelKind, stored: ChannelConfig, changes: Record<string, unknown> = {}) =>
      parseChannelConfig(kind, { ...redactChannelConfig(kind, stored), ...changes }, stored);
    expect(round("webhook", webhook)).toEqual(webhook);
    expect(round("pagerduty", pagerduty)).toEqual(pagerduty);
    expect(round("email", email)).toEqual(email);
    expect(round("slack", slack)).toEqual(slack);
    expect(round("webhook", webhook, { secret: "a-brand-new-secret-value" })).toMatchObject({
      secret: "a-brand-new-secret-value",
    });
    // A masked credential never follows the channel to a new destination.
    expect(fieldOf(() => round("pagerduty", pagerduty, { url: "https://evil.example/enqueue" }))).toBe(
      "/config/routingKey",
    );
    expect(fieldOf(() => round("webhook", webhook, { url: "https://evil.example/in" }))).toBe(
      "/config/headers/Authorization",
    );
    const moved = (redactChannelConfig("email", email)["smtpUrl"] as string).replace(
      "mail.example",
      "evil.example",
    );
    expect(fieldOf(() => round("email", email, { smtpUrl: moved }))).toBe("/config/smtpUrl");
    // And a masked value is no secret on creation.
    expect(fieldOf(() => parseChannelConfig("pagerduty", { routingKey: maskSecret(ROUTING_KEY) }))).toBe(
      "/config/routingKey",
    );
  });

  it("signs webhook bodies so that receivers can verify them", () => {
    const body = '{"event":"test"}';
    const ts = Math.floor(T0 / 1000);
    const signature = signWebhookBody(SECRET, ts, body);
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(SECRET, ts, body, signature, { now: T0 })).toBe(true);
    expect(verifyWebhookSignature(SECRET, ts, Buffer.from(body), signature, { now: T0 })).toBe(true);
    expect(verifyWebhookSignature(SECRET, ts, body.replace("test", "tesT"), signature, { now: T0 })).toBe(
      false,
    );
    expect(verifyWebhookSignature(`${SECRET}x`, ts, body, signature, { now: T0 })).toBe(false);
    expect(verifyWebhookSignature(SECRET, ts + 1, body, signature, { now: T0 })).toBe(false);
    expect(verifyWebhookSignature(SECRET, ts, body, undefined, { now: T0 })).toBe(false);
    // Replays: a captured request is refused once its timestamp is older than the tolerance.
    expect(verifyWebhookSignature(SECRET, ts, body, signature, { now: T0 + 10 * MINUTE })).toBe(false);
  });

  it("backs off exponentially with jitter up to the cap", () => {
    const none = () => 0;
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, {}, none))).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(backoffDelay(12, {}, none)).toBe(HOUR);
    const jittered = backoffDelay(2, {}, () => 0.999);
    expect(jittered).toBeGreaterThanOrEqual(0.8 * 60_000);
    expect(jittered).toBeLessThan(60_000);
  });
});

// ---------------------------------------------------------------------------------------- with a store

describe.each(BACKENDS)("alerts on %s", (backend) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let databaseUrl: string | undefined;
  const receiver = new Receiver();
  const mailbox = new Mailbox();
  const stores: Store[] = [];

  const dispatcher = (options: Partial<DispatcherOptions> = {}) =>
    new AlertDispatcher(store, {
      worker: "worker-1",
      publicUrl: PUBLIC_URL,
      smtpUrl: mailbox.url,
      timeoutMs: 2_000,
      random: () => 0,
      ...options,
    });

  beforeAll(async () => {
    const s = await storeFor(backend, "alerts");
    dispose = s.dispose;
    databaseUrl = s.config.databaseUrl;
    store = await openStore({ databaseUrl, dataDir: s.config.dataDir ?? "" });
    stores.push(store);
    await seed(store);
    await receiver.start();
    await mailbox.start();
  });

  afterAll(async () => {
    await receiver.close();
    await mailbox.close();
    for (const s of stores) await s.close();
    await dispose?.();
  });

  // Each test drives its own clock: what one leaves pending must not be sent by the next one's ticks.
  afterEach(async () => {
    await store.db
      .updateTable("deliveries")
      .set({ state: "failed" })
      .where("state", "=", "pending")
      .execute();
    await store.db.deleteFrom("digest_items").where("delivery_id", "is", null).execute();
  });

  it("webhook: signed JSON of the anomaly, then of its resolution", async () => {
    const id = await channel(store, "webhook", {
      url: `${receiver.url}/hook/signed`,
      secret: SECRET,
      headers: { Authorization: "Bearer token-123" },
    });
    const a = await anomaly(store);
    await enqueue(store, a, "anomaly.opened", immediate(id), T0);
    expect(await dispatcher().tick(T0)).toEqual({ digests: 0, sent: 1, failed: 0 });

    const [request] = receiver.on("/hook/signed");
    const [delivery] = await deliveriesOf(store, id);
    expect(request!.headers["content-type"]).toBe("application/json");
    expect(request!.headers["authorization"]).toBe("Bearer token-123");
    expect(request!.headers["x-sightglass-event"]).toBe("anomaly.opened");
    expect(request!.headers["x-sightglass-delivery"]).toBe(delivery!.id);
    const timestamp = request!.headers["x-sightglass-timestamp"] as string;
    expect(timestamp).toBe(String(Math.floor(T0 / 1000)));
    const signature = request!.headers["x-sightglass-signature"] as string;
    expect(verifyWebhookSignature(SECRET, timestamp, request!.body, signature, { now: T0 })).toBe(true);
    const tampered = request!.body.replace('"warning"', '"info"');
    expect(tampered).not.toBe(request!.body);
    expect(verifyWebhookSignature(SECRET, timestamp, tampered, signature, { now: T0 })).toBe(false);

    expect(request!.json).toMatchObject({
      event: "anomaly.opened",
      deliveryId: delivery!.id,
      createdAt: T0,
      anomaly: {
        id: a.id,
        projectId: PROJECT,
        projectName: "Demo credit",
        monitorName: "income drift",
        analyzer: "drift",
        severity: "warning",
        column: "income",
        value: 0.523,
        thresholdUpper: 0.4,
        baselineValue: 0.31,
        summary: a.summary,
      },
    });
    expect(request!.json.anomaly.url).toBe(`${PUBLIC_URL}${a.url}`);
    expect(delivery).toMatchObject({
      state: "sent",
      attempts: 1,
      sent_at: T0,
      last_status: 200,
      kind: "anomaly",
    });
    expect(await attemptsOf(store, delivery!.id)).toMatchObject([{ attempt: 1, at: T0, ok: 1, status: 200 }]);

    await enqueue(store, { ...a, state: "resolved" }, "anomaly.resolved", immediate(id), T0 + HOUR);
    expect(await dispatcher().tick(T0 + HOUR)).toEqual({ digests: 0, sent: 1, failed: 0 });
    const resolved = receiver.on("/hook/signed")[1]!;
    expect(resolved.headers["x-sightglass-event"]).toBe("anomaly.resolved");
    expect(resolved.json).toMatchObject({
      event: "anomaly.resolved",
      anomaly: { id: a.id, state: "resolved" },
    });
    expect((await deliveriesOf(store, id)).map((d) => d.kind)).toEqual(["anomaly", "resolved"]);
  });

  it("slack: Block Kit message with the facts and a link; resolutions are not posted", async () => {
    const id = await channel(store, "slack", { url: `${receiver.url}/slack/blocks` });
    const a = await anomaly(store, { column: "a<b>&c", segment: "region=eu", severity: "critical" });
    await enqueue(store, a, "anomaly.opened", immediate(id), T0);
    await enqueue(store, { ...a, state: "resolved" }, "anomaly.resolved", immediate(id), T0);
    expect(await dispatcher().tick(T0)).toEqual({ digests: 0, sent: 1, failed: 0 });

    const [request] = receiver.on("/slack/blocks");
    const message = request!.json;
    expect(message.text).toContain("[Sightglass] critical: drift on a<b>&c [region=eu] (Demo credit)");
    expect(message.blocks[0]).toMatchObject({ type: "header", text: { type: "plain_text" } });
    const section = message.blocks[1];
    expect(section.type).toBe("section");
    expect(section.text).toEqual({ type: "mrkdwn", text: a.summary });
    const fields = (section.fields as { type: string; text: string }[]).map((f) => f.text);
    expect(fields).toEqual([
      "*Project*\nDemo credit",
      "*Monitor*\nincome drift",
      "*Column*\na&lt;b&gt;&amp;c",
      "*Segment*\nregion=eu",
      "*Window*\nbucket 2024-05-01 09:17 UTC",
      "*Value*\n0.523 (expected ≤ 0.4; baseline 0.31)",
      "*Severity*\ncritical",
    ]);
    expect(message.blocks[2]).toMatchObject({
      type: "actions",
      elements: [{ type: "button", url: `${PUBLIC_URL}${a.url}` }],
    });
    expect(await deliveriesOf(store, id)).toHaveLength(1);
  });

  it("pagerduty: Events API v2 trigger, then resolve with the same dedup_key; severities map 1:1", async () => {
    const id = await channel(store, "pagerduty", {
      routingKey: ROUTING_KEY,
      url: `${receiver.url}/pd/events`,
    });
    const severities: MonitorSeverity[] = ["critical", "error", "warning", "info"];
    const anomalies: AlertAnomaly[] = [];
    for (const severity of severities) {
      const a = await anomaly(store, { severity, column: `col_${severity}` });
      anomalies.push(a);
      await enqueue(store, a, "anomaly.opened", immediate(id), T0);
    }
    expect(await dispatcher().tick(T0)).toEqual({ digests: 0, sent: 4, failed: 0 });
    const triggers = receiver.on("/pd/events").map((r) => r.json);
    expect(triggers).toHaveLength(4);
    for (const a of anomalies) {
      const event = triggers.find((e: Json) => e.dedup_key === a.id);
      expect(event).toMatchObject({
        routing_key: ROUTING_KEY,
        event_action: "trigger",
        dedup_key: a.id,
        payload: {
          source: `sightglass/${PROJECT}`,
          severity: a.severity,
          timestamp: new Date(T0).toISOString(),
          component: a.column,
          group: PROJECT,
          class: "drift",
          custom_details: { monitor: "income drift", value: 0.523, threshold_upper: 0.4 },
        },
        links: [{ href: `${PUBLIC_URL}${a.url}` }],
      });
      expect(event.payload.summary.length).toBeLessThanOrEqual(1024);
      expect(event.payload.summary).toContain(a.summary);
    }
    const sent = await deliveriesOf(store, id);
    expect(sent.map((d) => [d.state, d.last_status])).toEqual(sent.map(() => ["sent", 202]));

    const first = anomalies[0]!;
    await enqueue(store, { ...first, state: "resolved" }, "anomaly.resolved", immediate(id), T0 + HOUR);
    expect(await dispatcher().tick(T0 + HOUR)).toEqual({ digests: 0, sent: 1, failed: 0 });
    expect(receiver.on("/pd/events")[4]!.json).toEqual({
      routing_key: ROUTING_KEY,
      event_action: "resolve",
      dedup_key: first.id,
    });
  });

  it("email: one message per anomaly through SMTP, subject and recipients as configured", async () => {
    const id = await channel(store, "email", {
      to: ["ops@example.com", "ml@example.com"],
      from: "Alerts <alerts@example.com>",
    });
    const a = await anomaly(store, { summary: "hellinger 0.52 ≥ 0.40 <script>alert(1)</script>" });
    const before = mailbox.mails.length;
    await enqueue(store, a, "anomaly.opened", immediate(id), T0);
    await enqueue(store, { ...a, state: "resolved" }, "anomaly.resolved", immediate(id), T0);
    expect(await dispatcher().tick(T0)).toEqual({ digests: 0, sent: 1, failed: 0 });

    expect(mailbox.mails).toHaveLength(before + 1);
    const mail = mailbox.mails[before]!;
    expect(mail.from).toBe("alerts@example.com");
    expect(mail.to).toEqual(["ops@example.com", "ml@example.com"]);
    expect(header(mail.raw, "Subject")).toBe("[Sightglass] warning: drift on income (Demo credit)");
    expect(header(mail.raw, "X-Sightglass-Event")).toBe("anomaly.opened");
    const text = mailText(mail.raw);
    expect(text).toContain("hellinger 0.52 ≥ 0.40");
    expect(text).toContain(`${PUBLIC_URL}/projects/${PROJECT}/columns/income?`);
    // The HTML part carries the summary escaped, never as markup.
    expect(text).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(text).not.toMatch(/<p>[^<]*<script>/);
    const [delivery] = await deliveriesOf(store, id);
    expect(delivery).toMatchObject({ state: "sent", last_status: 250 });

    // A recipient the server refuses (550) will not be accepted later either.
    const bouncing = await channel(store, "email", { to: ["bounce@example.com"] });
    await enqueue(store, a, "anomaly.opened", immediate(bouncing), T0);
    expect(await dispatcher().tick(T0)).toEqual({ digests: 0, sent: 0, failed: 1 });
    const [bounced] = await deliveriesOf(store, bouncing);
    expect(bounced).toMatchObject({ state: "failed", attempts: 1, last_status: 550 });
  });

  it("retries 5xx with backoff until it gets through, recording every attempt", async () => {
    const id = await channel(store, "webhook", { url: `${receiver.url}/hook/flaky`, secret: SECRET });
    receiver.plan("/hook/flaky", 500, 500);
    await enqueue(store, await anomaly(store), "anomaly.opened", immediate(id), T0);
    const d = dispatcher();

    expect(await d.tick(T0)).toEqual({ digests: 0, sent: 0, failed: 1 });
    let [delivery] = await deliveriesOf(store, id);
    expect(delivery).toMatchObject({
      state: "pending",
      attempts: 1,
      next_attempt_at: T0 + 30_000,
      last_status: 500,
    });
    expect(delivery!.last_error).toContain("HTTP 500: planned 500");
    expect(delivery!.locked_by).toBeNull();

    expect(await d.tick(T0 + 29_999)).toEqual({ digests: 0, sent: 0, failed: 0 });
    expect(await d.tick(T0 + 30_000)).toEqual({ digests: 0, sent: 0, failed: 1 });
    [delivery] = await deliveriesOf(store, id);
    expect(delivery).toMatchObject({ state: "pending", attempts: 2, next_attempt_at: T0 + 90_000 });

    expect(await d.tick(T0 + 90_000)).toEqual({ digests: 0, sent: 1, failed: 0 });
    [delivery] = await deliveriesOf(store, id);
    expect(delivery).toMatchObject({ state: "sent", attempts: 3, sent_at: T0 + 90_000, last_status: 200 });
    const attempts = await attemptsOf(store, delivery!.id);
    expect(attempts.map((x) => [x.attempt, x.at, x.ok, x.status])).toEqual([
      [1, T0, 0, 500],
      [2, T0 + 30_000, 0, 500],
      [3, T0 + 90_000, 1, 200],
    ]);
    // Every retry is the same message under the same delivery id; only the signed timestamp moves.
    const requests = receiver.on("/hook/flaky");
    expect(new Set(requests.map((r) => r.body)).size).toBe(1);
    expect(new Set(requests.map((r) => r.headers["x-sightglass-delivery"])).size).toBe(1);
    expect(requests.map((r) => r.headers["x-sightglass-timestamp"])).toEqual(
      [T0, T0 + 30_000, T0 + 90_000].map((t) => String(t / 1000)),
    );
  });

  it("honours Retry-After, retries timeouts, and gives up after maxAttempts", async () => {
    const id = await channel(store, "webhook", { url: `${receiver.url}/hook/busy`, secret: SECRET });
    receiver.plan(
      "/hook/busy",
      { status: 429, headers: { "retry-after": "300" } },
      { status: 200, delayMs: 1_000 },
    );
    await enqueue(store, await anomaly(store), "anomaly.opened", immediate(id), T0);
    const d = dispatcher({ timeoutMs: 150, maxAttempts: 3 });

    await d.tick(T0);
    let [delivery] = await deliveriesOf(store, id);
    expect(delivery).toMatchObject({ state: "pending", last_status: 429, next_attempt_at: T0 + 300_000 });
    await d.tick(T0 + 300_000);
    [delivery] = await deliveriesOf(store, id);
    expect(delivery).toMatchObject({ state: "pending", attempts: 2, last_status: null });
    expect(delivery!.last_error).toContain("no answer within 150 ms");
    receiver.plan("/hook/busy", 503);
    expect(await d.tick(delivery!.next_attempt_at)).toEqual({ digests: 0, sent: 0, failed: 1 });
    [delivery] = await deliveriesOf(store, id);
    expect(delivery).toMatchObject({ state: "failed", attempts: 3, last_status: 503 });
    expect(delivery!.last_error).toContain("gave up after 3 attempts");
    expect(await d.tick(delivery!.next_attempt_at + DAY)).toEqual({ digests: 0, sent: 0, failed: 0 });
  });

  it("fails a 4xx at once: a bad URL or key will not fix itself", async () => {
    const id = await channel(store, "webhook", { url: `${receiver.url}/hook/gone`, secret: SECRET });
    receiver.plan("/hook/gone", 400);
    await enqueue(store, await anomaly(store), "anomaly.opened", immediate(id), T0);
    const d = dispatcher();
    expect(await d.tick(T0)).toEqual({ digests: 0, sent: 0, failed: 1 });
    const [delivery] = await deliveriesOf(store, id);
    expect(delivery).toMatchObject({ state: "failed", attempts: 1, last_status: 400 });
    expect(delivery!.last_error).toMatch(/HTTP 400.*not retried/);
    expect(await attemptsOf(store, delivery!.id)).toMatchObject([{ attempt: 1, ok: 0, status: 400 }]);
    expect(await d.tick(T0 + DAY)).toEqual({ digests: 0, sent: 0, failed: 0 });
    expect(receiver.on("/hook/gone")).toHaveLength(1);
  });

  it("queues only for known channels of the anomaly's organization", async () => {
    const foreign = await channel(
      store,
      "webhook",
      { url: `${receiver.url}/hook/foreign`, secret: SECRET },
      OTHER_ORG,
    );
    const slack = await channel(store, "slack", { url: `${receiver.url}/slack/only-opened` });
    const email = await channel(store, "email", { to: ["ops@example.com"] });
    const pd = await channel(store, "pagerduty", { routingKey: ROUTING_KEY, url: `${receiver.url}/pd/x` });
    const a = await anomaly(store);
    const notify = immediate("chn-deleted-long-ago", foreign, slack, email, pd, slack);
    await enqueue(store, a, "anomaly.opened", notify, T0);
    await enqueue(store, { ...a, state: "resolved" }, "anomaly.resolved", notify, T0 + 1);
    for (const [id, kinds] of [
      [foreign, []],
      [slack, ["anomaly"]],
      [email, ["anomaly"]],
      [pd, ["anomaly", "resolved"]],
    ] as const) {
      expect((await deliveriesOf(store, id)).map((d) => d.kind)).toEqual(kinds);
    }
    // Digest channels list openings only.
    await enqueue(store, a, "anomaly.resolved", { channels: [slack], mode: "digest-hourly" }, T0);
    expect(
      await store.db.selectFrom("digest_items").selectAll().where("channel_id", "=", slack).execute(),
    ).toEqual([]);
  });

  it("hourly digest: nothing before the window ends, then exactly one message with all its anomalies", async () => {
    const id = await channel(store, "webhook", { url: `${receiver.url}/hook/digest`, secret: SECRET });
    const notify: NotifySpec = { channels: [id], mode: "digest-hourly" };
    const anomalies = [
      await anomaly(store),
      await anomaly(store, { severity: "critical" }),
      await anomaly(store),
    ];
    for (const [i, a] of anomalies.entries())
      await enqueue(store, a, "anomaly.opened", notify, T0 + i * 10 * MINUTE);
    // Reported again (an engine re-run): still listed once.
    await enqueue(store, anomalies[0]!, "anomaly.opened", notify, T0 + 30 * MINUTE);
    const windowStart = Date.UTC(2024, 4, 1, 10);
    const d = dispatcher();

    expect(await d.tick(T0 + 30 * MINUTE)).toEqual({ digests: 0, sent: 0, failed: 0 });
    expect(await d.tick(windowStart + HOUR - 1)).toEqual({ digests: 0, sent: 0, failed: 0 });
    expect(receiver.on("/hook/digest")).toHaveLength(0);
    expect(await d.tick(windowStart + HOUR)).toEqual({ digests: 1, sent: 1, failed: 0 });
    expect(await d.tick(windowStart + 2 * HOUR)).toEqual({ digests: 0, sent: 0, failed: 0 });

    const [request] = receiver.on("/hook/digest");
    expect(receiver.on("/hook/digest")).toHaveLength(1);
    expect(request!.headers["x-sightglass-event"]).toBe("digest");
    expect(request!.json).toMatchObject({
      event: "digest",
      mode: "digest-hourly",
      windowStart,
      windowEnd: windowStart + HOUR,
    });
    // Most severe first; rebuilt from the store with the same link the engine gives.
    expect(request!.json.anomalies.map((x: Json) => x.id)).toEqual([
      anomalies[1]!.id,
      anomalies[0]!.id,
      anomalies[2]!.id,
    ]);
    expect(request!.json.anomalies[0]).toMatchObject({
      severity: "critical",
      analyzer: "drift",
      value: 0.523,
      thresholdUpper: 0.4,
      url: `${PUBLIC_URL}${anomalies[1]!.url}`,
    });
    const [delivery] = await deliveriesOf(store, id);
    expect(delivery).toMatchObject({ kind: "digest", state: "sent", project_id: PROJECT });
    const items = await store.db
      .selectFrom("digest_items")
      .selectAll()
      .where("channel_id", "=", id)
      .execute();
    expect(items.map((i) => i.delivery_id)).toEqual([delivery!.id, delivery!.id, delivery!.id]);
  });

  it("daily digest by email: one message per UTC day", async () => {
    const id = await channel(store, "email", { to: ["digest@example.com"] });
    const notify: NotifySpec = { channels: [id], mode: "digest-daily" };
    const day1 = Date.UTC(2024, 4, 1);
    const first = await anomaly(store, { column: "income" });
    const second = await anomaly(store, { column: "age", severity: "error" });
    const third = await anomaly(store, { column: "zip" });
    await enqueue(store, first, "anomaly.opened", notify, day1 + 9 * HOUR);
    await enqueue(store, second, "anomaly.opened", notify, day1 + 23 * HOUR + 30 * MINUTE);
    await enqueue(store, third, "anomaly.opened", notify, day1 + DAY + 10 * MINUTE);
    const before = mailbox.mails.length;
    const d = dispatcher();

    expect(await d.tick(day1 + DAY - 1)).toEqual({ digests: 0, sent: 0, failed: 0 });
    expect(await d.tick(day1 + DAY + 30 * MINUTE)).toEqual({ digests: 1, sent: 1, failed: 0 });
    expect(mailbox.mails).toHaveLength(before + 1);
    const mail = mailbox.mails[before]!;
    expect(mail.to).toEqual(["digest@example.com"]);
    expect(header(mail.raw, "Subject")).toBe("[Sightglass] 2 anomalies, daily digest, 2024-05-01 (UTC)");
    const text = mailText(mail.raw);
    expect(text).toContain("drift on age (Demo credit)");
    expect(text).toContain("drift on income (Demo credit)");
    expect(text).not.toContain("drift on zip");

    expect(await d.tick(day1 + 2 * DAY)).toEqual({ digests: 1, sent: 1, failed: 0 });
    expect(header(mailbox.mails[before + 1]!.raw, "Subject")).toBe(
      "[Sightglass] 1 anomaly, daily digest, 2024-05-02 (UTC)",
    );
  });

  it("slack digest lists 20 anomalies and counts the rest; pagerduty pages once per digest", async () => {
    const slack = await channel(store, "slack", { url: `${receiver.url}/slack/digest` });
    const pd = await channel(store, "pagerduty", {
      routingKey: ROUTING_KEY,
      url: `${receiver.url}/pd/digest`,
    });
    const notify: NotifySpec = { channels: [slack, pd], mode: "digest-hourly" };
    for (let i = 0; i < 23; i++)
      await enqueue(
        store,
        await anomaly(store, { column: `c${i}`, severity: i === 7 ? "error" : "info" }),
        "anomaly.opened",
        notify,
        T0,
      );
    const windowStart = Date.UTC(2024, 4, 1, 10);
    expect(await dispatcher().tick(windowStart + HOUR)).toEqual({ digests: 2, sent: 2, failed: 0 });

    const message = receiver.on("/slack/digest")[0]!.json;
    expect(message.text).toBe(
      "[Sightglass] 23 anomalies, hourly digest, 2024-05-01 10:00 UTC to 2024-05-01 11:00 UTC",
    );
    expect(message.blocks[0].type).toBe("header");
    expect(message.blocks.filter((b: Json) => b.type === "section")).toHaveLength(20);
    expect(message.blocks.at(-1)).toEqual({
      type: "context",
      elements: [{ type: "mrkdwn", text: "and 3 more" }],
    });
    expect(message.blocks[1].text.text).toContain("drift on c7");

    const [page] = receiver.on("/pd/digest").map((r) => r.json);
    expect(receiver.on("/pd/digest")).toHaveLength(1);
    expect(page).toMatchObject({
      event_action: "trigger",
      dedup_key: `digest-${pd}-${windowStart}`,
      payload: { severity: "error", class: "digest", custom_details: { anomaly_count: 23 } },
    });
  });

  it("two dispatchers ticking at once build each digest once and send each delivery once", async () => {
    // Separate stores on PostgreSQL: two processes' connection pools. SQLite serves one process: one store.
    const other = backend === "postgres" ? await openStore({ databaseUrl, dataDir: "" }) : store;
    if (other !== store) stores.push(other);
    const hook = await channel(store, "webhook", { url: `${receiver.url}/hook/race`, secret: SECRET });
    const digest = await channel(store, "webhook", {
      url: `${receiver.url}/hook/race-digest`,
      secret: SECRET,
    });
    for (let i = 0; i < 12; i++) {
      const a = await anomaly(store, { column: `r${i}` });
      await enqueue(store, a, "anomaly.opened", immediate(hook), T0);
      await enqueue(store, a, "anomaly.opened", { channels: [digest], mode: "digest-hourly" }, T0);
    }
    const options = { batchSize: 4, publicUrl: PUBLIC_URL, smtpUrl: mailbox.url, random: () => 0 };
    const a = new AlertDispatcher(store, { ...options, worker: "a" });
    const b = new AlertDispatcher(other, { ...options, worker: "b" });
    const now = Date.UTC(2024, 4, 1, 11);
    const totals = { digests: 0, sent: 0, failed: 0 };
    for (let round = 0; round < 5; round++) {
      for (const r of await Promise.all([a.tick(now), b.tick(now)])) {
        totals.digests += r.digests;
        totals.sent += r.sent;
        totals.failed += r.failed;
      }
    }
    expect(totals).toEqual({ digests: 1, sent: 13, failed: 0 });
    const race = receiver.on("/hook/race");
    expect(race).toHaveLength(12);
    expect(new Set(race.map((r) => r.headers["x-sightglass-delivery"])).size).toBe(12);
    const digests = receiver.on("/hook/race-digest");
    expect(digests).toHaveLength(1);
    expect(digests[0]!.json.anomalies).toHaveLength(12);
    const attempts = await store.db
      .selectFrom("delivery_attempts")
      .innerJoin("deliveries", "deliveries.id", "delivery_attempts.delivery_id")
      .select(["delivery_attempts.attempt"])
      .where("deliveries.channel_id", "in", [hook, digest])
      .execute();
    expect(attempts.map((x) => x.attempt)).toEqual(Array<number>(13).fill(1));
  });

  it("sendTest reaches the receiver at once and is recorded as a test delivery", async () => {
    const hook = await channel(store, "webhook", { url: `${receiver.url}/hook/test`, secret: SECRET });
    const d = dispatcher();
    const result = await d.sendTest(hook, T0);
    expect(result).toMatchObject({ ok: true, status: 200, error: null });
    const [request] = receiver.on("/hook/test");
    expect(request!.headers["x-sightglass-event"]).toBe("test");
    expect(request!.headers["x-sightglass-delivery"]).toBe(result.deliveryId);
    expect(
      verifyWebhookSignature(
        SECRET,
        request!.headers["x-sightglass-timestamp"] as string,
        request!.body,
        request!.headers["x-sightglass-signature"] as string,
        { now: T0 },
      ),
    ).toBe(true);
    expect(request!.json).toMatchObject({ event: "test", channel: { id: hook } });
    const [delivery] = await deliveriesOf(store, hook);
    expect(delivery).toMatchObject({ id: result.deliveryId, kind: "test", state: "sent", attempts: 1 });
    expect(await attemptsOf(store, result.deliveryId)).toMatchObject([{ attempt: 1, ok: 1, status: 200 }]);

    // PagerDuty: a trigger resolved at once, so the test leaves no incident open.
    const pd = await channel(store, "pagerduty", { routingKey: ROUTING_KEY, url: `${receiver.url}/pd/test` });
    expect(await d.sendTest(pd, T0)).toMatchObject({ ok: true, status: 202 });
    const events = receiver.on("/pd/test").map((r) => r.json);
    expect(events.map((e: Json) => e.event_action)).toEqual(["trigger", "resolve"]);
    expect(events[0].dedup_key).toBe(events[1].dedup_key);

    // Email, through the server's SMTP setting.
    const email = await channel(store, "email", { to: ["test@example.com"] });
    expect(await d.sendTest(email, T0)).toMatchObject({ ok: true, status: 250 });
    expect(header(mailbox.mails.at(-1)!.raw, "Subject")).toMatch(/^\[Sightglass\] test message for channel/);

    // A failing test answers why and is not retried, even for a retryable status.
    receiver.plan("/hook/test", 503);
    const failed = await d.sendTest(hook, T0 + 1);
    expect(failed).toMatchObject({ ok: false, status: 503 });
    expect(failed.error).toContain("HTTP 503");
    expect(await d.tick(T0 + DAY)).toEqual({ digests: 0, sent: 0, failed: 0 });
    const stored = await store.db
      .selectFrom("deliveries")
      .selectAll()
      .where("id", "=", failed.deliveryId)
      .executeTakeFirst();
    expect(stored).toMatchObject({ state: "failed", attempts: 1 });
  });

  it("serves channels over the API with secrets masked, admin-only changes and foreign orgs as 404", async () => {
    const app = await channelApi(store);
    const admin = (await createApiKey(store, { orgId: ORG, name: "admin", scopes: ["admin"] })).key;
    const reader = (await createApiKey(store, { orgId: ORG, name: "reader", scopes: ["read"] })).key;
    const outsider = (await createApiKey(store, { orgId: OTHER_ORG, name: "admin", scopes: ["admin"] })).key;
    const send = async (key: string, method: string, url: string, body?: unknown) => {
      const res = await app.inject({
        method: method as "GET",
        url,
        headers: { "x-api-key": key },
        ...(body === undefined ? {} : { payload: body as object }),
      });
      return { status: res.statusCode, body: res.body === "" ? undefined : res.json(), text: res.body };
    };
    const base = `/api/v1/organizations/${ORG}/channels`;
    const config = {
      url: `${receiver.url}/hook/api`,
      secret: SECRET,
      headers: { Authorization: "Bearer api-token" },
    };

    const created = await send(admin, "POST", base, { name: "ops hook", kind: "webhook", config });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "ops hook", kind: "webhook", organizationId: ORG });
    expect(created.body.config).toEqual({
      url: config.url,
      secret: `••••${SECRET.slice(-4)}`,
      headers: { Authorization: "••••" },
    });
    const channelId = created.body.id as string;
    expect(
      (await send(admin, "POST", base, { name: "ops hook", kind: "slack", config: { url: config.url } }))
        .status,
    ).toBe(409);
    const invalid = await send(admin, "POST", base, {
      name: "x",
      kind: "webhook",
      config: { url: config.url, secret: "short" },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error).toMatchObject({ code: "bad-request", field: "/config/secret" });
    expect(
      (await send(reader, "POST", base, { name: "y", kind: "slack", config: { url: config.url } })).status,
    ).toBe(403);

    const list = await send(reader, "GET", base);
    expect(list.status).toBe(200);
    expect(list.body.channels.map((c: Json) => c.id)).toContain(channelId);
    expect(list.text).not.toContain(SECRET);
    expect(list.text).not.toContain("api-token");

    // Round trip of the masked form keeps the stored secrets; the name changes.
    const shown = (await send(reader, "GET", `${base}/${channelId}`)).body;
    const updated = await send(admin, "PUT", `${base}/${channelId}`, {
      name: "ops webhook",
      config: shown.config,
    });
    expect(updated.status).toBe(200);
    expect(updated.body.name).toBe("ops webhook");
    const row = await store.db
      .selectFrom("channels")
      .select("config")
      .where("id", "=", channelId)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(row.config)).toEqual(config);
    expect(
      (await send(admin, "PUT", `${base}/${channelId}`, { name: "n", kind: "slack", config: shown.config }))
        .status,
    ).toBe(400);

    const tested = await send(admin, "POST", `${base}/${channelId}/test`);
    expect(tested.status).toBe(200);
    expect(tested.body).toMatchObject({ ok: true, status: 200, error: null });
    expect(receiver.on("/hook/api")[0]!.headers["authorization"]).toBe("Bearer api-token");
    expect((await send(reader, "POST", `${base}/${channelId}/test`)).status).toBe(403);
    await send(admin, "POST", `${base}/${channelId}/test`);

    const page1 = await send(reader, "GET", `${base}/${channelId}/deliveries?limit=1`);
    expect(page1.status).toBe(200);
    expect(page1.body.deliveries).toHaveLength(1);
    expect(page1.body.deliveries[0]).toMatchObject({ kind: "test", event: "test", state: "sent" });
    expect(page1.body.deliveries[0].attempts).toMatchObject([{ attempt: 1, ok: true, status: 200 }]);
    const page2 = await send(
      reader,
      "GET",
      `${base}/${channelId}/deliveries?limit=1&before=${page1.body.next}`,
    );
    expect(page2.body.deliveries[0].id).toBe(tested.body.deliveryId);
    expect(page2.body.next).toBeNull();

    // Another organization's caller learns nothing: the same 404 as for a channel that does not exist.
    for (const [method, path] of [
      ["GET", base],
      ["GET", `${base}/${channelId}`],
      ["DELETE", `${base}/${channelId}`],
      ["POST", `${base}/${channelId}/test`],
      ["GET", `${base}/${channelId}/deliveries`],
    ] as const) {
      expect((await send(outsider, method, path)).status, `${method} ${path}`).toBe(404);
    }
    expect((await send(admin, "GET", `/api/v1/organizations/${OTHER_ORG}/channels`)).status).toBe(404);
    expect((await send(admin, "GET", `${base}/chn-nothing`)).status).toBe(404);

    expect((await send(admin, "DELETE", `${base}/${channelId}`)).status).toBe(204);
    expect((await send(admin, "GET", `${base}/${channelId}`)).status).toBe(404);
    expect(await deliveriesOf(store, channelId)).toEqual([]);
    await app.close();
  });
});

/** The server's own app (routes, authentication, error handling) over the test's store, without its loops. */
async function channelApi(store: Store): Promise<FastifyInstance> {
  const { app } = await buildApp(store, {
    ...DEFAULT_CONFIG,
    logLevel: "silent",
    rateLimitPerSecond: 0,
    publicUrl: PUBLIC_URL,
  });
  await app.ready();
  return app;
}
