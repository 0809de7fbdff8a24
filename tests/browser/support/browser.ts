// Drives headless chromium (the system package, see scripts/ensure-chromium.mjs) with playwright-core. Each
// page is served from a fake https origin through request interception — no server, no files — so bundles
// load as real ES modules in a secure context, optionally under a Content-Security-Policy.
import { chromium } from "playwright-core";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { BrowserBundle } from "./bundle.js";
import type { Wire } from "./wire.js";

export const ORIGIN = "https://sightglass.test";

export interface PageOptions {
  /** Content-Security-Policy header of the page (e.g. one without 'wasm-unsafe-eval'). */
  readonly csp?: string;
  /** Freezes Date.now() / new Date() at this epoch-millisecond time (timers keep running). */
  readonly fixedTime?: number;
}

/** One loaded bundle in one page. */
export interface LoadedBundle {
  /** Calls workload export `name` in the page and returns its `toWire` result. */
  run(name: string, ...args: unknown[]): Promise<Wire>;
  /** Evaluates an expression in the page (plain JavaScript source, not transformed by vitest). */
  evaluate<T>(expression: string): Promise<T>;
  /** Uncaught page errors and console.error messages seen so far. */
  readonly errors: readonly string[];
}

export class BrowserSession {
  private constructor(private readonly browser: Browser) {}

  static async launch(executablePath: string): Promise<BrowserSession> {
    const browser = await chromium.launch({ executablePath, args: ["--no-sandbox"], headless: true });
    return new BrowserSession(browser);
  }

  version(): string {
    return this.browser.version();
  }

  /** Opens a fresh context + page at {@link ORIGIN} and imports `bundle` there as an ES module. */
  async load(bundle: BrowserBundle, options: PageOptions = {}): Promise<LoadedBundle> {
    const context: BrowserContext = await this.browser.newContext();
    const page: Page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(`console.error: ${message.text()}`);
    });
    await page.route(`${ORIGIN}/**`, async (route) => {
      const { pathname } = new URL(route.request().url());
      const headers: Record<string, string> = { "cache-control": "no-store" };
      if (options.csp !== undefined) headers["content-security-policy"] = options.csp;
      if (pathname === "/") {
        await route.fulfill({
          status: 200,
          headers,
          contentType: "text/html; charset=utf-8",
          body: "<!doctype html><meta charset=utf-8><title>sightglass browser test</title>",
        });
      } else if (pathname === "/bundle.js") {
        await route.fulfill({
          status: 200,
          headers,
          contentType: "text/javascript; charset=utf-8",
          body: bundle.code,
        });
      } else {
        await route.fulfill({ status: 404, body: "not found" });
      }
    });
    if (options.fixedTime !== undefined) await page.clock.setFixedTime(options.fixedTime);
    await page.goto(`${ORIGIN}/`);

    // String expressions: a function would be stringified after vitest's transform (which rewrites import()).
    const evaluate = <T>(expression: string): Promise<T> => page.evaluate(expression) as Promise<T>;
    if (options.fixedTime !== undefined) {
      const now = await evaluate<number>("Date.now()");
      if (now !== options.fixedTime)
        throw new Error(`page clock reads ${now}, not the fixed ${options.fixedTime}`);
    }
    await evaluate(`import("/bundle.js").then((m) => { globalThis.__sightglass = m; })`);
    return {
      errors,
      evaluate,
      async run(name, ...args) {
        const call = `globalThis.__sightglass.__sightglassRun(${JSON.stringify(name)}, ${JSON.stringify(args)})`;
        const json = await evaluate<string>(`${call}.then((result) => JSON.stringify(result))`);
        return JSON.parse(json) as Wire;
      },
    };
  }

  async close(): Promise<void> {
    await this.browser.close();
  }
}
