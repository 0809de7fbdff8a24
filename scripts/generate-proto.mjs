#!/usr/bin/env node
// Regenerates the protobuf-es TypeScript modules of @sightglass/profile (packages/profile/src/proto/*_pb.ts)
// from packages/profile/proto/*.proto with the locally installed buf and protoc-gen-es (see buf.gen.yaml
// there: target=ts, import_extension=js). Runs offline. The generated files are committed, so run this
// after editing a .proto file and commit the result; the output is deterministic.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const protoDir = join(root, "packages/profile/proto");
const outDir = join(root, "packages/profile/src/proto");

// The @bufbuild/buf package ships the native binary for this platform; its bin entry resolves it.
const require = createRequire(import.meta.url);
const bufPackage = require.resolve("@bufbuild/buf/package.json", { paths: [root] });
const bufBin = join(dirname(bufPackage), "bin", "buf");

// buf.gen.yaml names the plugin `protoc-gen-es`; put the repository's node_modules/.bin first on PATH so
// buf runs the installed version, whatever else the machine has.
const binDir = join(root, "node_modules", ".bin");
const env = { ...process.env, PATH: [binDir, process.env.PATH ?? ""].join(delimiter) };
const result = spawnSync(process.execPath, [bufBin, "generate"], { cwd: protoDir, env, stdio: "inherit" });
if (result.error) throw result.error;
if (result.status !== 0) {
  process.stderr.write(`[proto] buf generate failed with exit code ${result.status}\n`);
  process.exit(result.status ?? 1);
}
const files = readdirSync(outDir).filter((f) => f.endsWith("_pb.ts"));
process.stderr.write(`[proto] generated ${files.length} modules in ${outDir}: ${files.join(", ")}\n`);
