// Opens the store: an embedded SQLite file in the data directory by default, PostgreSQL when a URL is given.
// Both go through Kysely, so every query is written once.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import { ServerError } from "../errors.js";
import { migrationProvider } from "./migrations.js";
import type { Database } from "./schema.js";

export type Dialect = "sqlite" | "postgres";

export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  /** Where the data lives, for logs: the SQLite file or the PostgreSQL host/database (never the password). */
  readonly location: string;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** postgres://… ; absent → SQLite in `dataDir`. */
  readonly databaseUrl?: string | undefined;
  readonly dataDir: string;
  /** PostgreSQL connections per process. */
  readonly poolSize?: number;
}

function redactedLocation(url: URL): string {
  return `postgres://${url.hostname}${url.port ? `:${url.port}` : ""}${url.pathname}`;
}

export async function openStore(options: StoreOptions): Promise<Store> {
  let store: Store;
  if (options.databaseUrl !== undefined && options.databaseUrl !== "") {
    let url: URL;
    try {
      url = new URL(options.databaseUrl);
    } catch {
      throw new ServerError(`--database-url is not a URL: ${JSON.stringify(options.databaseUrl)}`);
    }
    if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
      throw new ServerError(`--database-url must be postgres://…, got ${url.protocol}//…`);
    }
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 10,
      // 64-bit integers (epoch milliseconds, counts) as numbers: every value we store fits in 2^53.
      types: {
        getTypeParser: ((oid: number, format?: string) =>
          oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as "text")) as never,
      },
    });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    pool.on("error", () => {});
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    try {
      await db.selectNoFrom((eb) => eb.val(1).as("one")).execute();
    } catch (e) {
      await db.destroy().catch(() => {});
      throw new ServerError(`cannot connect to ${redactedLocation(url)}: ${(e as Error).message}`, {
        cause: e,
      });
    }
    store = { db, dialect: "postgres", location: redactedLocation(url), close: () => db.destroy() };
  } else {
    mkdirSync(options.dataDir, { recursive: true });
    const file = join(options.dataDir, "sightglass.sqlite");
    let sqlite: BetterSqlite3.Database;
    try {
      sqlite = new BetterSqlite3(file);
    } catch (e) {
      throw new ServerError(`cannot open ${file}: ${(e as Error).message}`, { cause: e });
    }
    // WAL: readers never wait for the writer; NORMAL sync is durable across process crashes in WAL mode.
    sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("synchronous = NORMAL");
    sqlite.pragma("foreign_keys = ON");
    sqlite.pragma("busy_timeout = 10000");
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
    store = { db, dialect: "sqlite", location: file, close: () => db.destroy() };
  }
  const migrator = new Migrator({ db: store.db, provider: migrationProvider(store.dialect) });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    await store.close().catch(() => {});
    const failed = results?.find((r) => r.status === "Error")?.migrationName;
    throw new ServerError(
      `database migration ${failed ?? ""} failed on ${store.location}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return store;
}

/**
 * The SQLite handle with prepared statements reused by SQL text: Kysely prepares every query anew, and compiling
 * the same few statements thousands of times a second was a measurable share of ingestion. better-sqlite3 runs
 * each statement to completion synchronously, so one statement object can serve every call.
 */
function withStatementCache(sqlite: BetterSqlite3.Database): BetterSqlite3.Database {
  const cache = new Map<string, BetterSqlite3.Statement>();
  const prepare = sqlite.prepare.bind(sqlite);
  return new Proxy(sqlite, {
    get(target, property, receiver) {
      if (property !== "prepare") {
        const value = Reflect.get(target, property, receiver) as unknown;
        // Native methods check their receiver: call them on the real handle, not the proxy.
        return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      }
      return (source: string) => {
        let statement = cache.get(source);
        if (statement === undefined) {
          statement = prepare(source);
          // Bounded: statements with generated IN lists or row counts vary; the hot ones stay.
          if (cache.size >= 1000) cache.delete(cache.keys().next().value!);
          cache.set(source, statement);
        }
        return statement;
      };
    },
  });
}
