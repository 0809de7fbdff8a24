// Notification channels: the four kinds, their settings (validated with errors that point at the field), how
// their secrets are hidden from the API, and how one alert is sent to one channel. Sending never throws: it
// answers whether the attempt worked and whether trying again later could help.
import { createHmac, timingSafeEqual } from "node:crypto";
import nodemailer from "nodemailer";
import type SMTPTransport from "nodemailer/lib/smtp-transport/index.js";
import type { ChannelKind } from "../db/schema.js";
import { ApiError } from "../errors.js";
import type { Alert, RenderContext } from "./payload.js";
import { renderEmail, renderPagerDutyEvents, renderSlackMessage, renderWebhookBody } from "./payload.js";

export const CHANNEL_KINDS: readonly ChannelKind[] = ["webhook", "slack", "email", "pagerduty"];

export const PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue";
export const DEFAULT_EMAIL_FROM = "Sightglass <sightglass@localhost>";
export const WEBHOOK_SECRET_MIN_LENGTH = 16;
/** Webhook receivers should refuse signatures older than this (replayed requests). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

export interface WebhookConfig {
  readonly url: string;
  /** HMAC-SHA256 key of the X-Sightglass-Signature header. */
  readonly secret: string;
  /** Extra request headers (an Authorization token, a routing header). */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface SlackConfig {
  /** The incoming-webhook URL (https://hooks.slack.com/services/…). */
  readonly url: string;
}

export interface PagerDutyConfig {
  /** The integration key of an Events API v2 integration. */
  readonly routingKey: string;
  /** Defaults to PAGERDUTY_EVENTS_URL. */
  readonly url?: string;
}

export interface EmailConfig {
  readonly to: readonly string[];
  /** smtp://user:pass@host:port or smtps://…; defaults to the server's SMTP setting. */
  readonly smtpUrl?: string;
  /** Defaults to DEFAULT_EMAIL_FROM. */
  readonly from?: string;
}

export type ChannelConfig = WebhookConfig | SlackConfig | PagerDutyConfig | EmailConfig;

// ------------------------------------------------------------------------------------------------- secrets

const MASK = "••••";

/** A secret as the API shows it: enough of its end to tell two apart, never enough to use it. */
export function maskSecret(secret: string): string {
  return secret.length >= 12 ? `${MASK}${secret.slice(-4)}` : MASK;
}

function isMasked(value: string): boolean {
  return value.startsWith(MASK);
}

/** The SMTP URL with its password replaced by the mask (the user name stays: it identifies the account). */
function maskSmtpUrl(smtpUrl: string): string {
  try {
    const url = new URL(smtpUrl);
    if (url.password === "") return smtpUrl;
    url.password = MASK;
    return url.toString();
  } catch {
    return MASK;
  }
}

/**
 * The settings as the API returns them: the webhook secret, PagerDuty routing key, SMTP password and webhook
 * header values (they usually carry credentials) are masked. A masked value sent back on update keeps the stored
 * secret (parseChannelConfig).
 */
export function redactChannelConfig(
  kind: ChannelKind,
  config: ChannelConfig | Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const c = config as Record<string, unknown>;
  switch (kind) {
    case "webhook": {
      const headers = c["headers"] as Record<string, string> | undefined;
      return {
        ...c,
        secret: maskSecret(String(c["secret"] ?? "")),
        ...(headers === undefined
          ? {}
          : { headers: Object.fromEntries(Object.keys(headers).map((name) => [name, MASK])) }),
      };
    }
    case "pagerduty":
      return { ...c, routingKey: maskSecret(String(c["routingKey"] ?? "")) };
    case "email":
      return typeof c["smtpUrl"] === "string" ? { ...c, smtpUrl: maskSmtpUrl(c["smtpUrl"]) } : { ...c };
    case "slack":
      // The incoming-webhook URL is itself the credential of a Slack channel.
      return { ...c, url: maskSlackUrl(String(c["url"] ?? "")) };
  }
}

/** Slack webhook URLs end in a token: keep the host and the start of the path so people recognise it. */
function maskSlackUrl(value: string): string {
  try {
    const url = new URL(value);
    const parts = url.pathname.split("/");
    const last = parts.pop() ?? "";
    url.pathname = [...parts, maskSecret(last)].join("/");
    return decodeURI(url.toString());
  } catch {
    return MASK;
  }
}

// ---------------------------------------------------------------------------------------------- validation

function bad(field: string, message: string): ApiError {
  return new ApiError("bad-request", `${field}: ${message}`, { field });
}

function objectAt(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw bad(field, "must be an object");
  return value as Record<string, unknown>;
}

function onlyKeys(object: Record<string, unknown>, allowed: readonly string[], field: string, kind: string) {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) {
      throw bad(`${field}/${key}`, `not a setting of ${kind} channels (settings: ${allowed.join(", ")})`);
    }
  }
}

function stringAt(object: Record<string, unknown>, key: string, field: string, required: boolean) {
  const value = object[key];
  if (value === undefined || value === null) {
    if (required) throw bad(`${field}/${key}`, "is required");
    return undefined;
  }
  if (typeof value !== "string") throw bad(`${field}/${key}`, "must be a string");
  return value;
}

function httpUrl(value: string, field: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw bad(field, `must be an http:// or https:// URL, got ${JSON.stringify(value.slice(0, 200))}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw bad(field, `must be an http:// or https:// URL, not ${url.protocol}//`);
  if (value.length > 2048) throw bad(field, "is longer than 2048 characters");
  return value;
}

/**
 * A masked value stands for the stored secret, but only while the destination it authenticates to is unchanged:
 * otherwise re-pointing a channel would hand a stored credential to a new host its editor chose.
 */
function keepSecret(
  value: string,
  stored: string | undefined,
  sameDestination: boolean,
  field: string,
  mask: (secret: string) => string = maskSecret,
): string {
  if (!isMasked(value)) return value;
  if (stored === undefined || value !== mask(stored))
    throw bad(field, "is the redacted form of a secret; send the secret itself");
  if (!sameDestination) throw bad(field, "send the secret again when the channel's destination changes");
  return stored;
}

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/;
/** Headers the transport owns: the body's framing and the signature must stay ours. */
const RESERVED_HEADERS = new Set([
  "content-type",
  "content-length",
  "host",
  "transfer-encoding",
  "connection",
]);

function parseWebhook(c: Record<string, unknown>, field: string, stored?: WebhookConfig): WebhookConfig {
  onlyKeys(c, ["url", "secret", "headers"], field, "webhook");
  const url = httpUrl(stringAt(c, "url", field, true)!, `${field}/url`);
  const rawSecret = stringAt(c, "secret", field, true)!;
  // The HMAC does not reveal the secret, so a moved receiver may keep it.
  const secret = keepSecret(rawSecret, stored?.secret, true, `${field}/secret`);
  if (secret.length < WEBHOOK_SECRET_MIN_LENGTH)
    throw bad(`${field}/secret`, `must have at least ${WEBHOOK_SECRET_MIN_LENGTH} characters`);
  if (secret.length > 512) throw bad(`${field}/secret`, "must have at most 512 characters");
  let headers: Record<string, string> | undefined;
  if (c["headers"] !== undefined && c["headers"] !== null) {
    const raw = objectAt(c["headers"], `${field}/headers`);
    const names = Object.keys(raw);
    if (names.length > 20) throw bad(`${field}/headers`, "at most 20 headers");
    headers = {};
    const lowered = new Set<string>();
    for (const name of names) {
      const at = `${field}/headers/${name.replace(/~/g, "~0").replace(/\//g, "~1")}`;
      const value = raw[name];
      if (!HEADER_NAME.test(name)) throw bad(at, "is not a valid header name");
      const lower = name.toLowerCase();
      if (RESERVED_HEADERS.has(lower) || lower.startsWith("x-sightglass-"))
        throw bad(at, "is set by Sightglass and cannot be configured");
      if (lowered.has(lower)) throw bad(at, "is given twice");
      lowered.add(lower);
      if (typeof value !== "string") throw bad(at, "must be a string");
      // eslint-disable-next-line no-control-regex -- a CR/LF would smuggle a header
      if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value))
        throw bad(at, "must not contain control characters");
      if (value.length > 4096) throw bad(at, "is longer than 4096 characters");
      const storedValue = stored?.headers?.[name];
      headers[name] = keepSecret(value, storedValue, stored?.url === url, at, () => MASK);
    }
  }
  return { url, secret, ...(headers === undefined ? {} : { headers }) };
}

function parseSlack(c: Record<string, unknown>, field: string, stored?: SlackConfig): SlackConfig {
  onlyKeys(c, ["url"], field, "slack");
  const raw = stringAt(c, "url", field, true)!;
  if (stored !== undefined && raw === maskSlackUrl(stored.url)) return { url: stored.url };
  if (raw.includes(MASK)) throw bad(`${field}/url`, "is the redacted form of a URL; send the URL itself");
  return { url: httpUrl(raw, `${field}/url`) };
}

function parsePagerDuty(
  c: Record<string, unknown>,
  field: string,
  stored?: PagerDutyConfig,
): PagerDutyConfig {
  onlyKeys(c, ["routingKey", "url"], field, "pagerduty");
  const rawUrl = stringAt(c, "url", field, false);
  const url = rawUrl === undefined || rawUrl === "" ? undefined : httpUrl(rawUrl, `${field}/url`);
  const raw = stringAt(c, "routingKey", field, true)!.trim();
  if (raw === "") throw bad(`${field}/routingKey`, "must not be empty");
  const sameUrl = (stored?.url ?? PAGERDUTY_EVENTS_URL) === (url ?? PAGERDUTY_EVENTS_URL);
  const routingKey = keepSecret(raw, stored?.routingKey, sameUrl, `${field}/routingKey`);
  if (/\s/.test(routingKey) || routingKey.length > 128)
    throw bad(
      `${field}/routingKey`,
      "must be the 32-character integration key of an Events API v2 integration",
    );
  return { routingKey, ...(url === undefined ? {} : { url }) };
}

const ADDRESS = /^[^\s@<>(),;:"\\[\]]+@[^\s@<>(),;:"\\[\]]+$/;

function parseSmtpUrl(value: string, field: string, stored: string | undefined): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw bad(field, "must be smtp://[user:password@]host[:port] or smtps://…");
  }
  if (url.protocol !== "smtp:" && url.protocol !== "smtps:")
    throw bad(field, `must be smtp:// or smtps://, not ${url.protocol}//`);
  if (url.hostname === "") throw bad(field, "has no host");
  if ((url.pathname !== "" && url.pathname !== "/") || url.search !== "" || url.hash !== "")
    throw bad(field, "takes no path or query: smtp://[user:password@]host[:port]");
  if (isMasked(decodeURIComponent(url.password))) {
    let previous: URL | undefined;
    try {
      previous = stored === undefined ? undefined : new URL(stored);
    } catch {
      previous = undefined;
    }
    if (previous === undefined || previous.password === "")
      throw bad(field, "has a redacted password; send the password itself");
    const same =
      previous.protocol === url.protocol && previous.host === url.host && previous.username === url.username;
    if (!same) throw bad(field, "send the password again when the SMTP server or user changes");
    url.password = previous.password;
    return url.toString();
  }
  return value;
}

function parseEmail(c: Record<string, unknown>, field: string, stored?: EmailConfig): EmailConfig {
  onlyKeys(c, ["to", "smtpUrl", "from"], field, "email");
  const to = c["to"];
  if (!Array.isArray(to) || to.length === 0) throw bad(`${field}/to`, "must be a list of email addresses");
  if (to.length > 50) throw bad(`${field}/to`, "at most 50 recipients");
  const addresses = to.map((address: unknown, i) => {
    if (typeof address !== "string" || !ADDRESS.test(address.trim()) || address.length > 320)
      throw bad(`${field}/to/${i}`, `is not an email address: ${JSON.stringify(address)}`);
    return address.trim();
  });
  const rawSmtp = stringAt(c, "smtpUrl", field, false);
  const smtpUrl =
    rawSmtp === undefined || rawSmtp === ""
      ? undefined
      : parseSmtpUrl(rawSmtp, `${field}/smtpUrl`, stored?.smtpUrl);
  const from = stringAt(c, "from", field, false);
  if (from !== undefined) {
    const address = /<([^<>]*)>\s*$/.exec(from)?.[1] ?? from;
    // eslint-disable-next-line no-control-regex -- a CR/LF in From would smuggle headers
    if (/[\u0000-\u001f\u007f]/.test(from) || !ADDRESS.test(address.trim()) || from.length > 320)
      throw bad(`${field}/from`, 'must be an address or "Name <address>"');
  }
  return {
    to: addresses,
    ...(smtpUrl === undefined ? {} : { smtpUrl }),
    ...(from === undefined || from === "" ? {} : { from }),
  };
}

/**
 * Validates a channel's settings (`field` is the JSON pointer of the settings object in the request). With
 * `stored` (an update), masked secrets stand for the stored ones.
 */
export function parseChannelConfig(
  kind: ChannelKind,
  input: unknown,
  stored?: ChannelConfig,
  field = "/config",
): ChannelConfig {
  const c = objectAt(input, field);
  switch (kind) {
    case "webhook":
      return parseWebhook(c, field, stored as WebhookConfig | undefined);
    case "slack":
      return parseSlack(c, field, stored as SlackConfig | undefined);
    case "pagerduty":
      return parsePagerDuty(c, field, stored as PagerDutyConfig | undefined);
    case "email":
      return parseEmail(c, field, stored as EmailConfig | undefined);
    default:
      throw bad("/kind", `must be one of ${CHANNEL_KINDS.join(", ")}`);
  }
}

// --------------------------------------------------------------------------------------------- signatures

/** `sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">`: the timestamp is signed so a replay is detectable. */
export function signWebhookBody(
  secret: string,
  timestamp: string | number,
  rawBody: string | Buffer,
): string {
  const mac = createHmac("sha256", secret);
  mac.update(`${timestamp}.`);
  mac.update(rawBody);
  return `sha256=${mac.digest("hex")}`;
}

/**
 * What a receiver runs on a request: recomputes the signature over the raw body as received (before any JSON
 * parsing), compares in constant time, and refuses timestamps more than `toleranceSeconds` (default 300) away
 * from `now` (default the clock), which stops replays of captured requests.
 */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string | number,
  rawBody: string | Buffer,
  header: string | undefined,
  options: { readonly toleranceSeconds?: number; readonly now?: number } = {},
): boolean {
  if (header === undefined) return false;
  const seconds = Number(timestamp);
  if (!Number.isInteger(seconds)) return false;
  const now = options.now ?? Date.now();
  if (Math.abs(now / 1000 - seconds) > (options.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS)) return false;
  const expected = Buffer.from(signWebhookBody(secret, String(timestamp), rawBody));
  const given = Buffer.from(header.trim());
  return expected.length === given.length && timingSafeEqual(expected, given);
}

// ------------------------------------------------------------------------------------------------ sending

/** What one attempt came to. */
export interface SendOutcome {
  readonly ok: boolean;
  /** HTTP status, or the SMTP reply code for email; null when no answer came. */
  readonly status: number | null;
  readonly error: string | null;
  /** Whether trying again later could help (429, 5xx, network errors, timeouts, SMTP 4xx). */
  readonly retry: boolean;
  /** The receiver's Retry-After, when it sent one. */
  readonly retryAfterMs?: number;
}

export interface SendContext extends RenderContext {
  readonly channelId: string;
  /** The attempt's time: the webhook timestamp. */
  readonly now: number;
  readonly timeoutMs: number;
  /** Server-wide SMTP URL for email channels without their own. */
  readonly smtpUrl: string | undefined;
}

const USER_AGENT = "Sightglass-Alerts/1.0";

/** The start of a response body, for the attempt log (an error page can be large). */
async function snippet(response: Response, max = 500): Promise<string> {
  if (response.body === null) return "";
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    while (text.length < max) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // A body cut off by the timeout still leaves its start.
  } finally {
    await reader.cancel().catch(() => {});
  }
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function retryAfter(response: Response): number | undefined {
  const header = response.headers.get("retry-after");
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

function errorText(e: unknown): string {
  const error = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  const cause = error.cause?.code ?? error.cause?.message;
  return `${error.message ?? String(e)}${cause !== undefined ? ` (${cause})` : ""}`;
}

async function postJson(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<SendOutcome> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json", "user-agent": USER_AGENT },
      body,
      // A redirect would turn the POST into a GET somewhere else: report it, so the URL gets fixed.
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    const name = (e as { name?: string }).name;
    if (name === "TimeoutError" || name === "AbortError")
      return { ok: false, status: null, error: `no answer within ${timeoutMs} ms`, retry: true };
    return { ok: false, status: null, error: `request failed: ${errorText(e)}`, retry: true };
  }
  const status = response.status;
  const text = await snippet(response);
  if (status >= 200 && status < 300) return { ok: true, status, error: null, retry: false };
  const after = retryAfter(response);
  const detail = `HTTP ${status}${text.trim() === "" ? "" : `: ${text.trim()}`}`;
  if (status === 429 || status >= 500)
    return {
      ok: false,
      status,
      error: detail,
      retry: true,
      ...(after === undefined ? {} : { retryAfterMs: after }),
    };
  if (status >= 300 && status < 400) {
    const location = response.headers.get("location");
    return {
      ok: false,
      status,
      error: `${detail} (redirected${location === null ? "" : ` to ${location}`}; configure the final URL)`,
      retry: false,
    };
  }
  return {
    ok: false,
    status,
    error: `${detail} (not retried: the receiver refused the request)`,
    retry: false,
  };
}

async function sendWebhook(config: WebhookConfig, alert: Alert, ctx: SendContext): Promise<SendOutcome> {
  const body = renderWebhookBody(alert, ctx);
  const timestamp = String(Math.floor(ctx.now / 1000));
  return postJson(
    config.url,
    body,
    {
      ...config.headers,
      "x-sightglass-event": alert.event,
      "x-sightglass-delivery": ctx.deliveryId,
      "x-sightglass-timestamp": timestamp,
      "x-sightglass-signature": signWebhookBody(config.secret, timestamp, body),
    },
    ctx.timeoutMs,
  );
}

async function sendSlack(config: SlackConfig, alert: Alert, ctx: SendContext): Promise<SendOutcome> {
  return postJson(config.url, JSON.stringify(renderSlackMessage(alert, ctx)), {}, ctx.timeoutMs);
}

async function sendPagerDuty(config: PagerDutyConfig, alert: Alert, ctx: SendContext): Promise<SendOutcome> {
  let last: SendOutcome = { ok: true, status: null, error: null, retry: false };
  // Events go in order (a test's trigger before its resolve); the first failure ends the attempt, and the retry
  // re-sends them all, which PagerDuty's dedup_key makes harmless.
  for (const event of renderPagerDutyEvents(alert, config.routingKey, ctx)) {
    last = await postJson(config.url ?? PAGERDUTY_EVENTS_URL, JSON.stringify(event), {}, ctx.timeoutMs);
    if (!last.ok) return last;
  }
  return last;
}

function smtpOptions(smtpUrl: string, timeoutMs: number): SMTPTransport.Options {
  // Parsed here rather than by nodemailer: its URL form also reads arbitrary options from the query string.
  const url = new URL(smtpUrl);
  const secure = url.protocol === "smtps:";
  return {
    host: url.hostname.replace(/^\[|\]$/g, ""),
    port: url.port === "" ? (secure ? 465 : 587) : Number(url.port),
    secure,
    ...(url.username === ""
      ? {}
      : { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  };
}

async function sendEmail(config: EmailConfig, alert: Alert, ctx: SendContext): Promise<SendOutcome> {
  const smtpUrl = config.smtpUrl ?? ctx.smtpUrl;
  if (smtpUrl === undefined || smtpUrl === "") {
    return {
      ok: false,
      status: null,
      error: "no SMTP server: set smtpUrl on the channel or the server's SMTP URL",
      retry: false,
    };
  }
  let options: SMTPTransport.Options;
  try {
    options = smtpOptions(smtpUrl, ctx.timeoutMs);
  } catch {
    return { ok: false, status: null, error: "the SMTP URL is not a URL", retry: false };
  }
  const message = renderEmail(alert, ctx);
  const transport = nodemailer.createTransport(options);
  let timer: NodeJS.Timeout | undefined;
  try {
    // The socket timeouts bound each step; this bounds the whole conversation.
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(Object.assign(new Error(`no answer within ${ctx.timeoutMs} ms`), { code: "ETIMEDOUT" })),
        ctx.timeoutMs,
      );
    });
    const info = await Promise.race([
      transport.sendMail({
        from: config.from ?? DEFAULT_EMAIL_FROM,
        to: [...config.to],
        subject: message.subject,
        text: message.text,
        html: message.html,
        headers: { "X-Sightglass-Delivery": ctx.deliveryId, "X-Sightglass-Event": alert.event },
      }),
      deadline,
    ]);
    const code = Number(/^\d{3}/.exec(info.response)?.[0] ?? 250);
    if (info.rejected.length > 0) {
      return {
        ok: false,
        status: code,
        error: `the SMTP server refused ${info.rejected.map(String).join(", ")}`,
        retry: false,
      };
    }
    return { ok: true, status: code, error: null, retry: false };
  } catch (e) {
    const error = e as { code?: string; responseCode?: number; response?: string; message?: string };
    const status = error.responseCode ?? null;
    const text = `${error.code !== undefined ? `${error.code}: ` : ""}${error.response ?? error.message ?? String(e)}`;
    // SMTP 5xx replies and refused logins are permanent; 4xx replies and connection trouble are worth retrying.
    const permanent =
      (status !== null && status >= 500) || error.code === "EAUTH" || error.code === "EENVELOPE";
    return { ok: false, status, error: text.slice(0, 1000), retry: !permanent };
  } finally {
    clearTimeout(timer);
    transport.close();
  }
}

/** Sends one alert to one channel; never throws. */
export async function sendToChannel(
  kind: ChannelKind,
  config: ChannelConfig,
  alert: Alert,
  ctx: SendContext,
): Promise<SendOutcome> {
  try {
    switch (kind) {
      case "webhook":
        return await sendWebhook(config as WebhookConfig, alert, ctx);
      case "slack":
        return await sendSlack(config as SlackConfig, alert, ctx);
      case "pagerduty":
        return await sendPagerDuty(config as PagerDutyConfig, alert, ctx);
      case "email":
        return await sendEmail(config as EmailConfig, alert, ctx);
      default:
        return { ok: false, status: null, error: `unknown channel kind ${String(kind)}`, retry: false };
    }
  } catch (e) {
    return { ok: false, status: null, error: `sending failed: ${errorText(e)}`, retry: true };
  }
}
