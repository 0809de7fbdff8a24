import { execFileSync } from "node:child_process";
import { createReadStream, statSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DatasetProfile, DatasetProfileView } from "../src/index.js";
import { readProfileFile, writeProfileFile } from "../src/node/index.js";

describe("writeProfileFile", () => {
  let dir: string | undefined;
  afterAll(() => (dir === undefined ? undefined : rm(dir, { recursive: true, force: true })));
  const view = new DatasetProfile({ datasetTimestamp: 1_700_000_000_000 }).track({ x: [1, 2, 3] }).view();

  it("writes a regular file whole, through a temporary file, and leaves no temporary behind", async () => {
    dir = await mkdtemp(join(tmpdir(), "sightglass-profile-file-"));
    const path = join(dir, "p.bin");
    await writeProfileFile(path, view);
    expect((await readProfileFile(path)).column("x")!.toSummary()["counts/n"]).toBe(3);
    expect(await readdir(dir)).toEqual(["p.bin"]);
  });

  // Renaming over a device or pipe replaces it: `-o /dev/null` run as root once turned the machine's /dev/null
  // into a plain file. A named pipe shows the same without risking the machine.
  it("writes into a named pipe in place instead of renaming over it", async () => {
    dir ??= await mkdtemp(join(tmpdir(), "sightglass-profile-file-"));
    const fifo = join(dir, "pipe");
    execFileSync("mkfifo", [fifo]);
    const chunks: Buffer[] = [];
    const drained = new Promise<void>((resolve, reject) =>
      createReadStream(fifo)
        .on("data", (c) => chunks.push(c as Buffer))
        .on("end", () => resolve())
        .on("error", reject),
    );
    await writeProfileFile(fifo, view);
    await drained;
    expect(statSync(fifo).isFIFO()).toBe(true);
    expect(DatasetProfileView.deserialize(new Uint8Array(Buffer.concat(chunks))).column("x")).toBeDefined();
    expect((await readdir(dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});
