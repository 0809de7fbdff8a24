// What an alert says, and how each channel kind says it. The monitor engine describes an anomaly once
// (AlertAnomaly); the outbox stores that description in the delivery, and the dispatcher renders it for the
// channel at send time, so a retry sends the same message and a channel's format can change without touching
// stored rows. Every renderer is pure: no clock, no I/O.
import type { AnomalyState } from "../db/schema.js";
import type { MonitorSeverity } from "../monitors/types.js";

export type AnomalyEvent = "anomaly.opened" | "anomaly.resolved";
export type AlertEvent = AnomalyEvent | "digest" | "test";
export type DigestMode = "digest-hourly" | "digest-daily";

/** One anomaly as the monitor engine hands it to the outbox. */
export interface AlertAnomaly {
  readonly id: string;
  readonly projectId: string;
  readonly projectName: string;
  readonly orgId: string;
  readonly monitorId: string;
  readonly monitorName: string;
  /** The analyzer type (`drift`, `fixed`, `missing_data`, …). */
  readonly analyzer: string;
  readonly severity: MonitorSeverity;
  /** "" = dataset-level. */
  readonly column: string;
  /** "" = the whole dataset. */
  readonly segment: string;
  /** Epoch ms of the first and last anomalous bucket. */
  readonly firstBucket: number;
  readonly lastBucket: number;
  readonly bucketCount: number;
  readonly state: AnomalyState;
  /** One line written by the engine, e.g. "hellinger 0.52 ≥ 0.40 vs trailing 7 buckets". */
  readonly summary: string;
  readonly value: number | null;
  readonly threshold_lower: number | null;
  readonly threshold_upper: number | null;
  readonly baseline_value: number | null;
  /** Deep link into the UI (anomalyUrl); relative when the server has no public URL. */
  readonly url: string;
}

export interface AnomalyAlert {
  readonly event: AnomalyEvent;
  readonly anomaly: AlertAnomaly;
}

export interface DigestAlert {
  readonly event: "digest";
  readonly mode: DigestMode;
  /** The UTC hour or day the digest covers: [windowStart, windowEnd). */
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly anomalies: readonly AlertAnomaly[];
}

export interface TestAlert {
  readonly event: "test";
  readonly orgId: string;
  readonly channelId: string;
  readonly channelName: string;
}

/** The JSON a delivery row's `payload` holds. */
export type Alert = AnomalyAlert | DigestAlert | TestAlert;

/** Facts of the delivery that renderers put beside the alert. */
export interface RenderContext {
  readonly deliveryId: string;
  /** When the delivery was created (the event time; stable across retries). */
  readonly createdAt: number;
  /** Base URL of the UI for links; relative links stay relative (and are left out where they cannot work). */
  readonly publicUrl: string | undefined;
}

/** Slack shows at most 50 blocks; 20 anomalies keep a digest readable and far below it. */
export const SLACK_DIGEST_LIMIT = 20;
/** An email digest lists this many anomalies, then a count of the rest (the UI has them all). */
export const EMAIL_DIGEST_LIMIT = 200;

const SEVERITY_RANK: Record<MonitorSeverity, number> = { critical: 0, error: 1, warning: 2, info: 3 };

/**
 * The UI link of an anomaly: the column view over the anomalous buckets (ISO start/end, the segment when there is
 * one), or the anomaly page for dataset-level anomalies. Without a public URL the link is a path. The monitor
 * engine builds the same link (monitors/results.ts); digests rebuild it from the stored anomaly.
 */
export function anomalyUrl(
  publicUrl: string | undefined,
  projectId: string,
  anomaly: {
    readonly id: string;
    readonly column: string;
    readonly segment: string;
    readonly firstBucket: number;
    readonly lastBucket: number;
  },
): string {
  const base = (publicUrl ?? "").replace(/\/+$/, "");
  const project = `${base}/projects/${encodeURIComponent(projectId)}`;
  if (anomaly.column === "") return `${project}/anomalies/${encodeURIComponent(anomaly.id)}`;
  const query = new URLSearchParams({
    start: new Date(anomaly.firstBucket).toISOString(),
    end: new Date(anomaly.lastBucket).toISOString(),
  });
  if (anomaly.segment !== "") query.set("segment", anomaly.segment);
  return `${project}/columns/${encodeURIComponent(anomaly.column)}?${query.toString()}`;
}

/** The most severe severity of a list (a digest pages as loudly as its worst anomaly). */
export function highestSeverity(anomalies: readonly AlertAnomaly[]): MonitorSeverity {
  let best: MonitorSeverity = "info";
  for (const a of anomalies) if (SEVERITY_RANK[a.severity] < SEVERITY_RANK[best]) best = a.severity;
  return best;
}

/** Most severe first, then oldest first, then in the order given (queue order): how digests list anomalies. */
export function sortForDigest(anomalies: readonly AlertAnomaly[]): AlertAnomaly[] {
  // Array.prototype.sort is stable, so equal anomalies keep their order.
  return [...anomalies].sort(
    (a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || a.firstBucket - b.firstBucket,
  );
}

// ------------------------------------------------------------------------------------------ text pieces

/** The link made absolute with the public URL; undefined when it stays relative (Slack, PagerDuty reject it). */
export function absoluteUrl(url: string, publicUrl: string | undefined): string | undefined {
  if (/^https?:\/\//i.test(url)) return url;
  if (publicUrl === undefined || publicUrl === "") return undefined;
  return `${publicUrl.replace(/\/+$/, "")}${url.startsWith("/") ? "" : "/"}${url}`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Numbers at four significant digits: alerts are read by people, the API has the exact values. */
export function formatNumber(value: number | null): string {
  if (value === null) return "–";
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  return String(Number(value.toPrecision(4)));
}

function formatTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** "drift on income [region=eu]" or "missing data on the dataset". */
export function anomalyTitle(a: Pick<AlertAnomaly, "analyzer" | "column" | "segment">): string {
  const target = a.column === "" ? "the dataset" : a.column;
  return `${a.analyzer.replace(/_/g, " ")} on ${target}${a.segment === "" ? "" : ` [${a.segment}]`}`;
}

function windowText(a: AlertAnomaly): string {
  if (a.bucketCount <= 1 || a.firstBucket === a.lastBucket) return `bucket ${formatTime(a.firstBucket)}`;
  return `${a.bucketCount} buckets, ${formatTime(a.firstBucket)} to ${formatTime(a.lastBucket)}`;
}

function expectedText(a: AlertAnomaly): string {
  const lower = a.threshold_lower;
  const upper = a.threshold_upper;
  if (lower !== null && upper !== null) return `${formatNumber(lower)} to ${formatNumber(upper)}`;
  if (upper !== null) return `≤ ${formatNumber(upper)}`;
  if (lower !== null) return `≥ ${formatNumber(lower)}`;
  return "–";
}

/** "0.523 (expected ≤ 0.4; baseline 0.31)". */
export function valueText(a: AlertAnomaly): string {
  const parts = [`expected ${expectedText(a)}`];
  if (a.baseline_value !== null) parts.push(`baseline ${formatNumber(a.baseline_value)}`);
  return `${formatNumber(a.value)} (${parts.join("; ")})`;
}

function facts(a: AlertAnomaly): [string, string][] {
  return [
    ["Project", a.projectName],
    ["Monitor", a.monitorName],
    ["Column", a.column === "" ? "(dataset)" : a.column],
    ["Segment", a.segment === "" ? "(whole dataset)" : a.segment],
    ["Window", windowText(a)],
    ["Value", valueText(a)],
    ["Severity", a.state === "resolved" ? `${a.severity} (resolved)` : a.severity],
  ];
}

function digestWindowText(alert: DigestAlert): string {
  return alert.mode === "digest-hourly"
    ? `hourly digest, ${formatTime(alert.windowStart)} to ${formatTime(alert.windowEnd)}`
    : `daily digest, ${new Date(alert.windowStart).toISOString().slice(0, 10)} (UTC)`;
}

function anomalyCount(n: number): string {
  return `${n} ${n === 1 ? "anomaly" : "anomalies"}`;
}

// ------------------------------------------------------------------------------------------------ webhook

/** The anomaly as webhook receivers see it: a stable, camelCase document (the storage names stay internal). */
export function anomalyJson(a: AlertAnomaly, publicUrl: string | undefined) {
  return {
    id: a.id,
    orgId: a.orgId,
    projectId: a.projectId,
    projectName: a.projectName,
    monitorId: a.monitorId,
    monitorName: a.monitorName,
    analyzer: a.analyzer,
    severity: a.severity,
    state: a.state,
    column: a.column,
    segment: a.segment,
    firstBucket: a.firstBucket,
    lastBucket: a.lastBucket,
    bucketCount: a.bucketCount,
    summary: a.summary,
    value: a.value,
    thresholdLower: a.threshold_lower,
    thresholdUpper: a.threshold_upper,
    baselineValue: a.baseline_value,
    url: absoluteUrl(a.url, publicUrl) ?? a.url,
  };
}

/** The raw JSON body of a webhook request (what the signature covers). The same on every retry. */
export function renderWebhookBody(alert: Alert, ctx: RenderContext): string {
  const head = { event: alert.event, deliveryId: ctx.deliveryId, createdAt: ctx.createdAt };
  switch (alert.event) {
    case "anomaly.opened":
    case "anomaly.resolved":
      return JSON.stringify({ ...head, anomaly: anomalyJson(alert.anomaly, ctx.publicUrl) });
    case "digest":
      return JSON.stringify({
        ...head,
        mode: alert.mode,
        windowStart: alert.windowStart,
        windowEnd: alert.windowEnd,
        anomalies: sortForDigest(alert.anomalies).map((a) => anomalyJson(a, ctx.publicUrl)),
      });
    case "test":
      return JSON.stringify({
        ...head,
        orgId: alert.orgId,
        channel: { id: alert.channelId, name: alert.channelName },
        message: "Test message from Sightglass: this channel is set up correctly.",
      });
  }
}

// -------------------------------------------------------------------------------------------------- Slack

export interface SlackMessage {
  readonly text: string;
  readonly blocks: readonly Record<string, unknown>[];
}

/** Slack's mrkdwn treats &, < and > as control characters (links, mentions): they must be escaped. */
function slackEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

const SEVERITY_EMOJI: Record<MonitorSeverity, string> = {
  critical: "🔴",
  error: "🟠",
  warning: "🟡",
  info: "🔵",
};

function slackHeader(text: string): Record<string, unknown> {
  // Header blocks take plain text of at most 150 characters.
  return { type: "header", text: { type: "plain_text", text: truncate(text, 150), emoji: true } };
}

function slackButton(url: string | undefined, label: string): Record<string, unknown>[] {
  // Slack rejects the whole message for a relative URL: without a public URL there is no button.
  if (url === undefined) return [];
  return [
    {
      type: "actions",
      elements: [{ type: "button", text: { type: "plain_text", text: label }, url: truncate(url, 3000) }],
    },
  ];
}

/** An incoming-webhook message: `text` is the notification fallback, `blocks` what the channel shows. */
export function renderSlackMessage(alert: Alert, ctx: RenderContext): SlackMessage {
  switch (alert.event) {
    case "anomaly.opened":
    case "anomaly.resolved": {
      const a = alert.anomaly;
      const resolved = alert.event === "anomaly.resolved";
      const title = `${resolved ? "Resolved" : a.severity}: ${anomalyTitle(a)} (${a.projectName})`;
      return {
        text: truncate(`[Sightglass] ${title}: ${a.summary}`, 3000),
        blocks: [
          slackHeader(`${resolved ? "✅" : SEVERITY_EMOJI[a.severity]} ${title}`),
          {
            type: "section",
            text: { type: "mrkdwn", text: truncate(slackEscape(a.summary), 2900) },
            fields: facts(a).map(([name, value]) => ({
              type: "mrkdwn",
              text: truncate(`*${name}*\n${slackEscape(value)}`, 1900),
            })),
          },
          ...slackButton(absoluteUrl(a.url, ctx.publicUrl), "Open in Sightglass"),
        ],
      };
    }
    case "digest": {
      const sorted = sortForDigest(alert.anomalies);
      const shown = sorted.slice(0, SLACK_DIGEST_LIMIT);
      const title = `${anomalyCount(sorted.length)}, ${digestWindowText(alert)}`;
      const blocks: Record<string, unknown>[] = [slackHeader(`Sightglass: ${title}`)];
      for (const a of shown) {
        const url = absoluteUrl(a.url, ctx.publicUrl);
        const name = slackEscape(`${anomalyTitle(a)} (${a.projectName})`);
        const heading = url === undefined ? `*${name}*` : `*<${url}|${name}>*`;
        const state = a.state === "open" ? "" : ` (${a.state})`;
        blocks.push({
          type: "section",
          text: {
            type: "mrkdwn",
            text: truncate(
              `${SEVERITY_EMOJI[a.severity]} ${heading} · ${a.severity}${state}\n` +
                `${slackEscape(a.summary)}\n_${slackEscape(a.monitorName)} · ${windowText(a)}_`,
              2900,
            ),
          },
        });
      }
      if (sorted.length > shown.length) {
        blocks.push({
          type: "context",
          elements: [{ type: "mrkdwn", text: `and ${sorted.length - shown.length} more` }],
        });
      }
      return { text: `[Sightglass] ${title}`, blocks };
    }
    case "test":
      return {
        text: `[Sightglass] Test message for channel ${alert.channelName}`,
        blocks: [
          slackHeader("Sightglass test message"),
          {
            type: "section",
            text: {
              type: "mrkdwn",
              text: `Channel *${slackEscape(alert.channelName)}* is set up correctly: anomalies will be posted here.`,
            },
          },
        ],
      };
  }
}

// ---------------------------------------------------------------------------------------------- PagerDuty

export interface PagerDutyEvent {
  readonly routing_key: string;
  readonly event_action: "trigger" | "resolve";
  readonly dedup_key: string;
  readonly payload?: {
    readonly summary: string;
    readonly source: string;
    readonly severity: MonitorSeverity;
    readonly timestamp: string;
    readonly component?: string;
    readonly group?: string;
    readonly class?: string;
    readonly custom_details: Record<string, unknown>;
  };
  readonly client?: string;
  readonly client_url?: string;
  readonly links?: readonly { readonly href: string; readonly text: string }[];
}

function pagerDutyLinks(url: string | undefined, text: string) {
  return url === undefined ? {} : { links: [{ href: url, text }] };
}

function pagerDutyClient(publicUrl: string | undefined) {
  return {
    client: "Sightglass",
    ...(publicUrl !== undefined && /^https?:\/\//i.test(publicUrl) ? { client_url: publicUrl } : {}),
  };
}

/**
 * Events API v2 events, sent in order. An anomaly triggers with its id as dedup_key, and its resolution
 * resolves that same key, so PagerDuty closes the incident it opened.
 *
 * A digest is ONE summary trigger (dedup_key `digest-<channel>-<window start>`, severity of its worst anomaly):
 * digest mode exists to page less, and one event makes the delivery all-or-nothing, so a retry never pages twice
 * (PagerDuty folds a repeated trigger into the open incident). Digested anomalies never send resolves; the
 * incident is closed by people. A test triggers and at once resolves a `test-<delivery>` incident, so it proves
 * the routing key works without leaving an incident open.
 */
export function renderPagerDutyEvents(
  alert: Alert,
  routingKey: string,
  ctx: RenderContext & { readonly channelId: string },
): PagerDutyEvent[] {
  const timestamp = new Date(ctx.createdAt).toISOString();
  switch (alert.event) {
    case "anomaly.resolved":
      return [{ routing_key: routingKey, event_action: "resolve", dedup_key: alert.anomaly.id }];
    case "anomaly.opened": {
      const a = alert.anomaly;
      return [
        {
          routing_key: routingKey,
          event_action: "trigger",
          dedup_key: a.id,
          payload: {
            summary: truncate(`${anomalyTitle(a)} (${a.projectName}): ${a.summary}`, 1024),
            source: `sightglass/${a.projectId}`,
            severity: a.severity,
            timestamp,
            ...(a.column === "" ? {} : { component: a.column }),
            group: a.projectId,
            class: a.analyzer,
            custom_details: {
              anomaly_id: a.id,
              project: a.projectName,
              project_id: a.projectId,
              monitor: a.monitorName,
              monitor_id: a.monitorId,
              column: a.column,
              segment: a.segment,
              window: windowText(a),
              value: a.value,
              threshold_lower: a.threshold_lower,
              threshold_upper: a.threshold_upper,
              baseline_value: a.baseline_value,
              bucket_count: a.bucketCount,
            },
          },
          ...pagerDutyClient(ctx.publicUrl),
          ...pagerDutyLinks(absoluteUrl(a.url, ctx.publicUrl), "Open in Sightglass"),
        },
      ];
    }
    case "digest": {
      const sorted = sortForDigest(alert.anomalies);
      const projects = [...new Set(sorted.map((a) => a.projectId))];
      const listed = sorted.slice(0, 100);
      return [
        {
          routing_key: routingKey,
          event_action: "trigger",
          dedup_key: `digest-${ctx.channelId}-${alert.windowStart}`,
          payload: {
            summary: truncate(
              `Sightglass: ${anomalyCount(sorted.length)}, ` +
                `${digestWindowText(alert)}: ${sorted.map((a) => `${anomalyTitle(a)} (${a.projectName})`).join(", ")}`,
              1024,
            ),
            source: projects.length === 1 ? `sightglass/${projects[0]}` : "sightglass",
            severity: highestSeverity(sorted),
            timestamp,
            ...(projects.length === 1 ? { group: projects[0] } : {}),
            class: "digest",
            custom_details: {
              mode: alert.mode,
              window_start: new Date(alert.windowStart).toISOString(),
              window_end: new Date(alert.windowEnd).toISOString(),
              anomaly_count: sorted.length,
              anomalies: listed.map((a) => ({
                id: a.id,
                severity: a.severity,
                title: anomalyTitle(a),
                project: a.projectName,
                summary: a.summary,
                url: absoluteUrl(a.url, ctx.publicUrl) ?? a.url,
              })),
              ...(sorted.length > listed.length ? { more: sorted.length - listed.length } : {}),
            },
          },
          ...pagerDutyClient(ctx.publicUrl),
        },
      ];
    }
    case "test": {
      const dedup = `test-${ctx.deliveryId}`;
      return [
        {
          routing_key: routingKey,
          event_action: "trigger",
          dedup_key: dedup,
          payload: {
            summary: `Sightglass test event for channel ${alert.channelName} (resolved at once)`,
            source: "sightglass",
            severity: "info",
            timestamp,
            class: "test",
            custom_details: { channel_id: alert.channelId, channel: alert.channelName },
          },
          ...pagerDutyClient(ctx.publicUrl),
        },
        { routing_key: routingKey, event_action: "resolve", dedup_key: dedup },
      ];
    }
  }
}

// -------------------------------------------------------------------------------------------------- email

export interface EmailMessage {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** Everything that reaches HTML is escaped: anomaly text comes from column names, segment values and users. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** Subjects are one header line: control characters (a newline in a column name) must not split it. */
function subjectLine(text: string): string {
  // eslint-disable-next-line no-control-regex -- stripping control characters is the point
  return truncate(text.replace(/[\u0000-\u001f\u007f]+/g, " "), 250);
}

function htmlLink(url: string | undefined, label: string): string {
  // Only absolute http(s) links become anchors: a relative one means nothing in a mail client.
  return url === undefined ? "" : `<p><a href="${escapeHtml(url)}">${escapeHtml(label)}</a></p>`;
}

function htmlDocument(title: string, body: string): string {
  return (
    `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>` +
    `<body style="font-family:sans-serif;font-size:14px;color:#222">${body}` +
    `<p style="color:#888;font-size:12px">Sent by Sightglass.</p></body></html>`
  );
}

export function renderEmail(alert: Alert, ctx: RenderContext): EmailMessage {
  switch (alert.event) {
    case "anomaly.opened":
    case "anomaly.resolved": {
      const a = alert.anomaly;
      const resolved = alert.event === "anomaly.resolved";
      const title = `${resolved ? "resolved" : a.severity}: ${anomalyTitle(a)} (${a.projectName})`;
      const url = absoluteUrl(a.url, ctx.publicUrl);
      const rows = facts(a);
      const text = [
        `${resolved ? "Resolved" : "Anomaly"}: ${anomalyTitle(a)} (${a.projectName})`,
        "",
        a.summary,
        "",
        ...rows.map(([name, value]) => `${name}: ${value}`),
        "",
        `Open in Sightglass: ${url ?? a.url}`,
      ].join("\n");
      const table = rows
        .map(
          ([name, value]) =>
            `<tr><th style="text-align:left;padding:2px 12px 2px 0">${escapeHtml(name)}</th>` +
            `<td>${escapeHtml(value)}</td></tr>`,
        )
        .join("");
      const html = htmlDocument(
        title,
        `<h2>${escapeHtml(`${resolved ? "Resolved" : "Anomaly"}: ${anomalyTitle(a)}`)}</h2>` +
          `<p>${escapeHtml(a.summary)}</p><table>${table}</table>` +
          htmlLink(url, "Open in Sightglass"),
      );
      return { subject: subjectLine(`[Sightglass] ${title}`), text, html };
    }
    case "digest": {
      const sorted = sortForDigest(alert.anomalies);
      const shown = sorted.slice(0, EMAIL_DIGEST_LIMIT);
      const heading = `${anomalyCount(sorted.length)}, ${digestWindowText(alert)}`;
      const more = sorted.length - shown.length;
      const text = [
        `Sightglass: ${heading}`,
        "",
        ...shown.flatMap((a) => [
          `- [${a.severity}${a.state === "open" ? "" : `, ${a.state}`}] ${anomalyTitle(a)} (${a.projectName})`,
          `  ${a.summary}`,
          `  ${a.monitorName} · ${windowText(a)}`,
          `  ${absoluteUrl(a.url, ctx.publicUrl) ?? a.url}`,
        ]),
        ...(more > 0 ? ["", `and ${more} more`] : []),
      ].join("\n");
      const items = shown
        .map((a) => {
          const url = absoluteUrl(a.url, ctx.publicUrl);
          const name = escapeHtml(`${anomalyTitle(a)} (${a.projectName})`);
          const label = url === undefined ? name : `<a href="${escapeHtml(url)}">${name}</a>`;
          return (
            `<li><strong>${escapeHtml(a.severity)}</strong> ${label}<br>${escapeHtml(a.summary)}<br>` +
            `<span style="color:#666">${escapeHtml(`${a.monitorName} · ${windowText(a)}`)}</span></li>`
          );
        })
        .join("");
      const html = htmlDocument(
        `Sightglass: ${heading}`,
        `<h2>${escapeHtml(`Sightglass: ${heading}`)}</h2><ul>${items}</ul>` +
          (more > 0 ? `<p>and ${more} more</p>` : ""),
      );
      return { subject: subjectLine(`[Sightglass] ${heading}`), text, html };
    }
    case "test": {
      const line = `Channel ${alert.channelName} is set up correctly: anomalies will be sent to this address.`;
      return {
        subject: subjectLine(`[Sightglass] test message for channel ${alert.channelName}`),
        text: line,
        html: htmlDocument("Sightglass test message", `<p>${escapeHtml(line)}</p>`),
      };
    }
  }
}
