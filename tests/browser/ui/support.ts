// Harness of the web UI tests: a real server (SQLite, in this process) serving the built UI, headless chromium
// through playwright-core, and every page watched for console errors, uncaught exceptions and dialogs (an
// alert() from injected data would be one). Screenshots and measured timings go to test-artifacts/ui/.
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import type { Browser, Page } from "playwright-core";
import { inject } from "vitest";
import { startTestServer } from "../../server/support.js";
import type { TestServer } from "../../server/support.js";
import type { ServerConfig } from "@sightglass/server";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const ARTIFACTS = resolve(repoRoot, "test-artifacts/ui");
export const WEB_ROOT = resolve(repoRoot, "packages/web/dist");
export const PASSWORD = "a long enough password";

export interface WatchedPage {
  readonly page: Page;
  /** console.error messages, uncaught exceptions and dialogs seen so far. */
  readonly problems: string[];
}

export class UiHarness {
  private constructor(
    readonly server: TestServer,
    readonly browser: Browser,
  ) {}

  static async start(name: string, overrides: Partial<ServerConfig> = {}): Promise<UiHarness> {
    const server = await startTestServer("sqlite", name, { webRoot: WEB_ROOT, ...overrides });
    const browser = await chromium.launch({
      executablePath: inject("chromiumPath"),
      args: ["--no-sandbox"],
      headless: true,
    });
    mkdirSync(ARTIFACTS, { recursive: true });
    return new UiHarness(server, browser);
  }

  get url(): string {
    return this.server.url;
  }

  async newPage(): Promise<WatchedPage> {
    // bypassCSP: the tests evaluate string expressions in the page (an eval the server's CSP forbids), and the
    // hostile-data test should prove the UI's own escaping, not lean on the CSP (tests/server/web.test.ts
    // checks that header).
    const context = await this.browser.newContext({
      viewport: { width: 1400, height: 900 },
      bypassCSP: true,
    });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`console.error: ${message.text()}`);
    });
    page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
    page.on("dialog", (dialog) => {
      // A confirm() the UI itself asks is accepted by the tests that expect it; anything else is a finding.
      if (dialog.type() !== "confirm") problems.push(`dialog ${dialog.type()}: ${dialog.message()}`);
      void dialog.accept();
    });
    return { page, problems };
  }

  async signIn(page: Page, email = "admin@localhost", password = PASSWORD): Promise<void> {
    await page.goto(`${this.url}/login`);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await Promise.all([
      page.waitForURL((u) => !u.pathname.startsWith("/login")),
      page.getByRole("button", { name: "Sign in" }).click(),
    ]);
  }

  async close(): Promise<void> {
    await this.browser.close();
    await this.server.close();
  }
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: resolve(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Timings the tests measured (reported, not asserted), written beside the screenshots. */
export function recordTiming(name: string, values: Record<string, number>): void {
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(resolve(ARTIFACTS, `${name}.json`), `${JSON.stringify(values, null, 2)}\n`);
}

export interface ReceivedHook {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A local webhook receiver: every POST is recorded and answered 200. */
export async function startReceiver(): Promise<{
  url: string;
  hooks: ReceivedHook[];
  close(): Promise<void>;
}> {
  const hooks: ReceivedHook[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("end", () => {
      hooks.push({
        path: request.url ?? "",
        headers: request.headers,
        body: Buffer.concat(chunks).toString(),
      });
      response.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hooks,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

export async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
