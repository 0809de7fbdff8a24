// Server settings from, in increasing precedence: defaults, a JSON config file, SIGHTGLASS_* environment
// variables, command-line flags. Every value is validated once here, with a message naming its source.
import { readFileSync } from "node:fs";
import { ServerError } from "./errors.js";

export interface ServerConfig {
  readonly host: string;
  readonly port: number;
  /** Directory of the embedded SQLite store (and nothing else when PostgreSQL is used). */
  readonly dataDir: string;
  /** postgres://… for PostgreSQL; unset → SQLite in dataDir. */
  readonly databaseUrl: string | undefined;
  readonly poolSize: number;
  /** The URL clients reach this server at; used in upload URLs handed to whylogs and in the setup link. */
  readonly publicUrl: string | undefined;
  /** Largest profile upload accepted, in bytes. */
  readonly maxUploadBytes: number;
  /** Requests per second each API key, user or anonymous address may make (token bucket), 0 = unlimited. */
  readonly rateLimitPerSecond: number;
  readonly rateLimitBurst: number;
  readonly sessionTtlHours: number;
  /** Mark session cookies Secure (set when the server is reached over https). */
  readonly secureCookies: boolean;
  readonly logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** Seeds an admin API key with this value on an empty store (automation). */
  readonly bootstrapApiKey: string | undefined;
  /** Seed a demo project on an empty store. */
  readonly demo: boolean;
  /**
   * How often this process looks for monitor work and due alert deliveries, in ms; 0 = never (the process then
   * only serves the API while other processes run monitors).
   */
  readonly monitorIntervalMs: number;
  /** SMTP server for email channels that do not name their own (smtp:// or smtps://user:pass@host:port). */
  readonly smtpUrl: string | undefined;
  /** Directory of the built web UI served at / (default: the web package's build next to this package). */
  readonly webRoot: string | undefined;
}

export const DEFAULT_CONFIG: ServerConfig = {
  host: "127.0.0.1",
  port: 8080,
  dataDir: "./sightglass-data",
  databaseUrl: undefined,
  poolSize: 10,
  publicUrl: undefined,
  maxUploadBytes: 64 * 1024 * 1024,
  rateLimitPerSecond: 200,
  rateLimitBurst: 2000,
  sessionTtlHours: 24 * 7,
  secureCookies: false,
  logLevel: "info",
  bootstrapApiKey: undefined,
  demo: false,
  monitorIntervalMs: 2000,
  smtpUrl: undefined,
  webRoot: undefined,
};

type Raw = Partial<Record<keyof ServerConfig, unknown>>;

const ENV: Record<keyof ServerConfig, string> = {
  host: "SIGHTGLASS_HOST",
  port: "SIGHTGLASS_PORT",
  dataDir: "SIGHTGLASS_DATA_DIR",
  databaseUrl: "SIGHTGLASS_DATABASE_URL",
  poolSize: "SIGHTGLASS_POOL_SIZE",
  publicUrl: "SIGHTGLASS_PUBLIC_URL",
  maxUploadBytes: "SIGHTGLASS_MAX_UPLOAD_BYTES",
  rateLimitPerSecond: "SIGHTGLASS_RATE_LIMIT_PER_SECOND",
  rateLimitBurst: "SIGHTGLASS_RATE_LIMIT_BURST",
  sessionTtlHours: "SIGHTGLASS_SESSION_TTL_HOURS",
  secureCookies: "SIGHTGLASS_SECURE_COOKIES",
  logLevel: "SIGHTGLASS_LOG_LEVEL",
  bootstrapApiKey: "SIGHTGLASS_BOOTSTRAP_API_KEY",
  demo: "SIGHTGLASS_DEMO",
  monitorIntervalMs: "SIGHTGLASS_MONITOR_INTERVAL_MS",
  smtpUrl: "SIGHTGLASS_SMTP_URL",
  webRoot: "SIGHTGLASS_WEB_ROOT",
};

function integer(value: unknown, name: string, source: string, min: number, max: number): number {
  const n =
    typeof value === "number"
      ? value
      : typeof value === "string" && /^\d+$/.test(value.trim())
        ? Number(value)
        : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ServerError(
      `${name} (${source}) must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

function boolean(value: unknown, name: string, source: string): boolean {
  if (typeof value === "boolean") return value;
  if (value === "true" || value === "1" || value === "yes") return true;
  if (value === "false" || value === "0" || value === "no" || value === "") return false;
  throw new ServerError(`${name} (${source}) must be true or false, got ${JSON.stringify(value)}`);
}

function text(value: unknown, name: string, source: string): string {
  if (typeof value !== "string")
    throw new ServerError(`${name} (${source}) must be a string, got ${JSON.stringify(value)}`);
  return value;
}

const LOG_LEVELS = new Set(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);

function apply(config: ServerConfig, raw: Raw, source: (key: string) => string): ServerConfig {
  const out: Record<string, unknown> = { ...config };
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    const from = source(key);
    switch (key as keyof ServerConfig) {
      case "port":
        out.port = integer(value, "port", from, 0, 65535);
        break;
      case "poolSize":
        out.poolSize = integer(value, "poolSize", from, 1, 1000);
        break;
      case "maxUploadBytes":
        out.maxUploadBytes = integer(value, "maxUploadBytes", from, 1024, 2 ** 31);
        break;
      case "rateLimitPerSecond":
        out.rateLimitPerSecond = integer(value, "rateLimitPerSecond", from, 0, 1_000_000);
        break;
      case "rateLimitBurst":
        out.rateLimitBurst = integer(value, "rateLimitBurst", from, 1, 10_000_000);
        break;
      case "sessionTtlHours":
        out.sessionTtlHours = integer(value, "sessionTtlHours", from, 1, 24 * 365);
        break;
      case "monitorIntervalMs":
        out.monitorIntervalMs = integer(value, "monitorIntervalMs", from, 0, 3_600_000);
        break;
      case "smtpUrl": {
        const url = text(value, key, from);
        if (url !== "" && !/^smtps?:\/\/[^/]+/.test(url)) {
          throw new ServerError(`smtpUrl (${from}) must be smtp://host:port or smtps://user:pass@host:port`);
        }
        out.smtpUrl = url || undefined;
        break;
      }
      case "secureCookies":
      case "demo":
        out[key] = boolean(value, key, from);
        break;
      case "logLevel": {
        const level = text(value, key, from);
        if (!LOG_LEVELS.has(level))
          throw new ServerError(`logLevel (${from}) must be one of ${[...LOG_LEVELS].join(", ")}`);
        out.logLevel = level;
        break;
      }
      case "publicUrl": {
        const url = text(value, key, from).replace(/\/+$/, "");
        try {
          if (!/^https?:$/.test(new URL(url).protocol)) throw new Error();
        } catch {
          throw new ServerError(`publicUrl (${from}) must be an http(s) URL, got ${JSON.stringify(value)}`);
        }
        out.publicUrl = url;
        break;
      }
      case "databaseUrl": {
        const url = text(value, key, from);
        if (url !== "" && !/^postgres(ql)?:\/\//.test(url)) {
          throw new ServerError(
            `databaseUrl (${from}) must be a postgres:// URL (leave it unset for SQLite)`,
          );
        }
        out.databaseUrl = url || undefined;
        break;
      }
      case "host":
      case "dataDir":
      case "bootstrapApiKey":
      case "webRoot":
        out[key] = text(value, key, from) || undefined;
        if (key === "host" || key === "dataDir")
          out[key] ??= (DEFAULT_CONFIG as unknown as Record<string, unknown>)[key];
        break;
      default:
        throw new ServerError(
          `unknown setting ${JSON.stringify(key)} (${from}); known: ${Object.keys(DEFAULT_CONFIG).join(", ")}`,
        );
    }
  }
  return out as unknown as ServerConfig;
}

export interface ConfigSources {
  /** Path of a JSON file with any of the settings. */
  readonly configFile?: string | undefined;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly flags?: Raw;
}

export function loadConfig(sources: ConfigSources = {}): ServerConfig {
  let config = DEFAULT_CONFIG;
  if (sources.configFile !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(sources.configFile, "utf8"));
    } catch (e) {
      throw new ServerError(`cannot read config file ${sources.configFile}: ${(e as Error).message}`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new ServerError(`config file ${sources.configFile} must hold a JSON object`);
    }
    config = apply(config, parsed as Raw, (k) => `${sources.configFile}: ${k}`);
  }
  const env = sources.env ?? {};
  const fromEnv: Raw = {};
  for (const [key, name] of Object.entries(ENV))
    if (env[name] !== undefined) fromEnv[key as keyof ServerConfig] = env[name];
  config = apply(config, fromEnv, (k) => ENV[k as keyof ServerConfig]);
  if (sources.flags !== undefined)
    config = apply(config, sources.flags, (k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
  return config;
}
