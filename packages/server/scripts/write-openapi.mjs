#!/usr/bin/env node
// Writes packages/server/openapi.json from the routes' schemas (build first). A test fails when the committed
// file differs from what the routes generate, so the document always describes the server as built.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_CONFIG, buildApp, openStore } from "../dist/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const dir = await mkdtemp(join(tmpdir(), "sightglass-openapi-"));
const store = await openStore({ dataDir: dir });
const { app } = await buildApp(store, { ...DEFAULT_CONFIG, logLevel: "silent" });
const response = await app.inject({ method: "GET", url: "/openapi.json" });
await writeFile(resolve(here, "../openapi.json"), `${JSON.stringify(JSON.parse(response.body), null, 2)}\n`);
await app.close();
await store.close();
await rm(dir, { recursive: true, force: true });
