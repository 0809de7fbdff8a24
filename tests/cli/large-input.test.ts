// A 2 GiB CSV streamed through `sightglass profile -`: memory stays bounded by the chunk pipeline and the
// sketches, not the input. The input comes from this process through a pipe, so no 2 GiB file is written.
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { cliBin } from "./support.js";

const BLOCK_ROWS = 40_000;

/** Distinct CSV blocks of ~4 MiB; the stream cycles through them. */
function makeBlocks(count: number): Buffer[] {
  const blocks: Buffer[] = [];
  for (let b = 0; b < count; b++) {
    const lines: string[] = [];
    for (let i = 0; i < BLOCK_ROWS; i++) {
      const k = b * BLOCK_ROWS + i;
      const x = ((k * 2654435761) % 1_000_003) / 1000;
      lines.push(
        `${k},${x},${(k * 7) % 1000},"user-${k % 50_000}",${k % 5 === 0 ? "" : ((k * 13) % 97) / 7},cat-${k % 20},${k % 2 === 0 ? "True" : "False"},2024-01-${String((k % 28) + 1).padStart(2, "0")} 12:00:00,${"x".repeat(k % 8)}`,
      );
    }
    blocks.push(Buffer.from(`${lines.join("\n")}\n`));
  }
  return blocks;
}

interface RunJson {
  rows: number;
  malformed: number;
  inputBytes: number;
  peakRssBytes: number;
  threads: number;
  elapsedMs: number;
}

async function profileStream(totalBytes: number, blocks: Buffer[]): Promise<{ run: RunJson; rows: number }> {
  const child = spawn(
    process.execPath,
    [cliBin, "profile", "-", "-o", "/dev/null", "--json", "--threads", "2"],
    {
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on("data", (b: Buffer) => out.push(b));
  child.stderr.on("data", (b: Buffer) => err.push(b));
  const closed = new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? -1)));
  const header = Buffer.from("id,x,n,user,maybe,cat,flag,ts,pad\n");
  let written = 0;
  let rows = 0;
  const write = (b: Buffer): Promise<void> =>
    new Promise((resolve, reject) => {
      if (child.stdin.write(b)) resolve();
      else child.stdin.once("drain", resolve);
      child.stdin.once("error", reject);
    });
  await write(header);
  for (let i = 0; written < totalBytes; i++) {
    const b = blocks[i % blocks.length]!;
    await write(b);
    written += b.length;
    rows += BLOCK_ROWS;
  }
  child.stdin.end();
  const code = await closed;
  if (code !== 0) throw new Error(`profile exited ${code}: ${Buffer.concat(err).toString()}`);
  return { run: JSON.parse(Buffer.concat(out).toString()) as RunJson, rows };
}

describe("multi-GB input", () => {
  it(
    "profiles a 2 GiB CSV stream with peak RSS bounded and flat in the input size",
    { timeout: 600_000 },
    async () => {
      const blocks = makeBlocks(8);
      const small = await profileStream(200 * 2 ** 20, blocks);
      const large = await profileStream(2 * 2 ** 30, blocks);
      expect(small.run.rows).toBe(small.rows);
      expect(large.run.rows).toBe(large.rows);
      expect(large.run.malformed).toBe(0);
      expect(large.run.inputBytes).toBeGreaterThanOrEqual(2 * 2 ** 30);
      const mib = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MiB`;
      console.log(
        `2 GiB stream: ${large.run.rows} rows in ${(large.run.elapsedMs / 1000).toFixed(1)} s ` +
          `(${(large.run.inputBytes / 2 ** 20 / (large.run.elapsedMs / 1000)).toFixed(0)} MiB/s, ${large.run.threads} threads); ` +
          `peak RSS ${mib(large.run.peakRssBytes)} (200 MiB input: ${mib(small.run.peakRssBytes)})`,
      );
      // Bounded: chunks in flight (2 threads × 2 × 4 MiB), one parsed chunk per thread, the sketches, and two
      // V8 isolates — a fixed budget far below the input, and no growth with ten times the input.
      expect(large.run.peakRssBytes).toBeLessThan(768 * 2 ** 20);
      expect(large.run.peakRssBytes).toBeLessThan(small.run.peakRssBytes * 1.25);
    },
  );
});
