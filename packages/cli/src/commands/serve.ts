// `sightglass serve`: runs the server (API, ingestion, whylogs upload flow) until SIGTERM / SIGINT.
import { CliError } from "../errors.js";
import type { CommandContext } from "./context.js";
import { print } from "./context.js";

export interface ServeOptions {
  readonly port?: string;
  readonly host?: string;
  readonly dataDir?: string;
  readonly databaseUrl?: string;
  readonly config?: string;
  readonly publicUrl?: string;
  readonly logLevel?: string;
  readonly demo?: boolean;
}

export async function serveCommand(ctx: CommandContext, o: ServeOptions): Promise<number> {
  // Loaded on demand: the other commands never pay for the server's dependencies.
  const server = await import("@sightglass/server");
  let config;
  try {
    config = server.loadConfig({
      configFile: o.config,
      env: ctx.env,
      flags: {
        port: o.port,
        host: o.host,
        dataDir: o.dataDir,
        databaseUrl: o.databaseUrl,
        publicUrl: o.publicUrl,
        logLevel: o.logLevel,
        ...(o.demo === true ? { demo: true } : {}),
      },
    });
  } catch (e) {
    if (e instanceof server.ServerError) throw new CliError("usage", e.message);
    throw e;
  }
  let running;
  try {
    running = await server.startServer(config);
  } catch (e) {
    if (e instanceof server.ServerError) throw new CliError("input", e.message);
    const code = (e as { code?: string }).code;
    if (code === "EADDRINUSE")
      throw new CliError("input", `port ${config.port} is in use (choose another with --port)`);
    throw e;
  }
  print(
    ctx.stdout,
    `Sightglass is listening on ${running.url} (store: ${running.store.dialect}, ${running.store.location})`,
  );
  if (running.setupUrl !== undefined) {
    print(
      ctx.stdout,
      `First start: open this one-time link to set the admin password:\n  ${running.setupUrl}`,
    );
  }
  if (config.demo)
    print(ctx.stdout, `Demo project: ${running.url}/api/v1/projects/${server.DEMO_PROJECT_ID}`);
  await new Promise<void>((resolve, reject) => {
    server.closeOnSignals(running, (error) => (error === undefined ? resolve() : reject(error)));
  });
  return 0;
}
