// Starting and stopping a server process: configuration → store (migrated) → first-start bootstrap → HTTP.
// SIGTERM/SIGINT drain in-flight requests, then close the store; /readyz turns 503 first so a load balancer
// stops sending traffic.
import type { FastifyInstance } from "fastify";
import { buildApp } from "./app.js";
import type { AppContext } from "./app.js";
import type { ServerConfig } from "./config.js";
import { openStore } from "./db/connect.js";
import type { Store } from "./db/connect.js";
import { bootstrap } from "./store/accounts.js";
import { ingestorOf } from "./store/ingest.js";
import { seedDemo } from "./demo.js";

export interface RunningServer {
  readonly app: FastifyInstance;
  readonly context: AppContext;
  readonly store: Store;
  /** The address the server listens on, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  /** One-time link for the first admin to choose a password, when this start created the admin. */
  readonly setupUrl: string | undefined;
  close(): Promise<void>;
}

export async function startServer(config: ServerConfig): Promise<RunningServer> {
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: config.poolSize,
  });
  let built;
  try {
    const boot = await bootstrap(store, { bootstrapApiKey: config.bootstrapApiKey });
    if (config.demo) await seedDemo(store);
    built = await buildApp(store, config);
    await built.app.listen({ port: config.port, host: config.host });
    const address = built.app.server.address();
    const port = typeof address === "object" && address !== null ? address.port : config.port;
    const host = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
    const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
    const base = config.publicUrl ?? url;
    const ingestor = ingestorOf(store, (error, context) => built!.app.log.error({ err: error }, context));
    ingestor.startRecovery();
    const { scheduler, dispatcher } = built.context;
    if (config.monitorIntervalMs > 0) {
      scheduler.start(config.monitorIntervalMs, (now) => dispatcher.tick(now));
    }
    built.context.ready = true;
    let closing: Promise<void> | undefined;
    const { app, context } = built;
    return {
      app,
      context,
      store,
      url,
      setupUrl: boot.setupPath === undefined ? undefined : `${base}${boot.setupPath}`,
      close() {
        closing ??= (async () => {
          context.ready = false;
          await scheduler.stop();
          await app.close();
          // Uploads accepted before the close are merged before the store closes.
          await ingestor.close();
          await store.close();
        })();
        return closing;
      },
    };
  } catch (e) {
    await built?.app.close().catch(() => {});
    await store.close().catch(() => {});
    throw e;
  }
}

/** Closes the server on SIGTERM / SIGINT (once; a second signal exits at once). */
export function closeOnSignals(server: RunningServer, onClosed: (error?: unknown) => void): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    server.app.log.info({ signal }, "shutting down: finishing in-flight requests");
    server.close().then(
      () => onClosed(),
      (e: unknown) => onClosed(e),
    );
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
