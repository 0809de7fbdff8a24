#!/usr/bin/env node
// Installed as the `sightglass` command. It exists before the TypeScript build so that npm links it at install
// time; the command itself lives in dist/.
import { existsSync } from "node:fs";

const entry = new URL("../dist/bin.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write("sightglass: the CLI is not built yet. Run `npm run build` in the repository root.\n");
  process.exit(4);
}
await import(entry.href);
