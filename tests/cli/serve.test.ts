// `sightglass serve` as an operator runs it: starts, prints where it listens and the one-time setup link,
// writes JSON log lines, answers, and exits 0 after finishing in-flight work on SIGTERM; bad settings exit with a
// usage or input error naming the setting.
import { spawn } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { cliBin, repoRoot, sightglass, tempDir } from "./support.js";

describe("sightglass serve", () => {
  const { dir, cleanup } = tempDir("sightglass-serve-");
  afterAll(cleanup);

  it("starts on a fresh data directory, prints the setup link, logs JSON and stops cleanly on SIGTERM", async () => {
    const child = spawn(
      process.execPath,
      [cliBin, "serve", "--port", "0", "--data-dir", dir, "--log-level", "info"],
      {
        cwd: repoRoot,
        env: { ...process.env, SIGHTGLASS_BOOTSTRAP_API_KEY: "sgSERVE123.abcdefghijklmnopqrstuvwxyz0123" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line in: ${stdout}`)), 30_000);
      child.stdout.on("data", () => {
        const m = /listening on (http:\/\/\S+)/.exec(stdout);
        // The setup link is the next line, possibly in a later chunk of the pipe.
        if (m !== null && /token=[A-Za-z0-9]{40}\n/.test(stdout)) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child.on("exit", (code) => reject(new Error(`exited with ${code}: ${stdout}`)));
    });
    expect(stdout).toMatch(/store: sqlite/);
    expect(stdout).toMatch(/one-time link[^\n]*\n\s+http:\/\/\S+\/setup\?token=[A-Za-z0-9]{40}/);
    const projects = await fetch(`${url}/api/v1/projects`, {
      headers: { "x-api-key": "sgSERVE123.abcdefghijklmnopqrstuvwxyz0123" },
    });
    expect(projects.status).toBe(200);
    // An upload URL's token is a capability: it must not reach the logs.
    const token = "T".repeat(48);
    const put = await fetch(`${url}/v0/uploads/${token}`, {
      method: "PUT",
      headers: { "content-type": "application/octet-stream" },
      body: "x",
    });
    expect(put.status).toBe(404);
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    const logLines = stdout.split("\n").filter((line) => line.startsWith("{"));
    expect(stdout).not.toContain(token);
    expect(stdout).toContain("/v0/uploads/<token>");
    const request = logLines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((l) => l["msg"] === "request completed");
    expect(request).toMatchObject({ level: 30, reqId: expect.stringMatching(/^req_/) });
  });

  it("does not print a setup link again once the store has users", async () => {
    const child = spawn(
      process.execPath,
      [cliBin, "serve", "--port", "0", "--data-dir", dir, "--log-level", "silent"],
      { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    await new Promise<void>((resolve) =>
      child.stdout.on(
        "data",
        (b: Buffer) => ((stdout += b.toString()), /listening/.test(stdout) && resolve()),
      ),
    );
    child.kill("SIGTERM");
    await new Promise((resolve) => child.on("exit", resolve));
    expect(stdout).not.toMatch(/setup/);
  });

  it("explains bad settings with the setting's name", async () => {
    const port = await sightglass(["serve", "--port", "eighty"]);
    expect(port.code).toBe(2);
    expect(port.stderr).toMatch(/--port.*integer/);
    const url = await sightglass(["serve", "--database-url", "mysql://db/x", "--port", "0"]);
    expect(url.code).toBe(2);
    expect(url.stderr).toMatch(/postgres:\/\//);
    const unreachable = await sightglass([
      "serve",
      "--database-url",
      "postgres://nobody@127.0.0.1:1/none",
      "--port",
      "0",
    ]);
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toMatch(/cannot connect to postgres:\/\/127\.0\.0\.1:1\/none/);
    expect(unreachable.stderr).not.toMatch(/nobody/);
    const badKey = await sightglass(["serve", "--port", "0", "--data-dir", `${dir}/bad-key`], {
      env: { SIGHTGLASS_BOOTSTRAP_API_KEY: "not-a-key" },
    });
    expect(badKey.code).toBe(3);
    expect(badKey.stderr).toMatch(/SIGHTGLASS_BOOTSTRAP_API_KEY must look like/);
  });
});
