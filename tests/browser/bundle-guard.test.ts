// The browser bundler must refuse Node built-ins wherever they appear, so the in-browser suites cannot pass
// with a Node-only dependency quietly marked external or stubbed.
import { describe, expect, it } from "vitest";
import { assertNoNodeBuiltins, bundleModule, repoRoot, workspaceAliases } from "./support/bundle.js";

describe("browser bundler", () => {
  it.each([
    ['import { readFileSync } from "node:fs"; console.log(readFileSync);', "node:fs"],
    ['import { createHash } from "crypto"; console.log(createHash);', "crypto"],
    ['const { inspect } = require("util"); console.log(inspect);', "util"],
    ['export const load = () => import("node:worker_threads");', "node:worker_threads"],
  ])("rejects %s", async (source, builtin) => {
    await expect(bundleModule(source, repoRoot)).rejects.toThrow(`Node built-in "${builtin}"`);
  });

  it("rejects an unaliased @sightglass/* specifier instead of resolving a stale dist/", async () => {
    await expect(bundleModule('import "@sightglass/nonexistent";', repoRoot)).rejects.toThrow(/has no alias/);
  });

  it("resolves the workspace packages to the same TypeScript sources as vitest.config.ts", async () => {
    const aliases = workspaceAliases();
    expect(aliases.get("@sightglass/sketches")).toMatch(/packages\/sketches\/src\/index\.ts$/);
    expect(aliases.get("@sightglass/profile")).toMatch(/packages\/profile\/src\/index\.ts$/);
    const { code, inputs } = await bundleModule(
      'import { KllDoublesSketch } from "@sightglass/sketches"; export const k = new KllDoublesSketch().getK();',
      repoRoot,
    );
    expect(inputs).toContain("packages/sketches/src/kll/kll-doubles-sketch.ts");
    expect(code).not.toMatch(/^\s*(import|export)\s.*\sfrom\s/m);
  });

  it.each([
    'import fs from "node:fs";',
    'const m = await import("node:path");',
    'var x = __require("fs");',
    'const os = require("os");',
  ])("finds Node references in bundle text: %s", (code) => {
    expect(() => assertNoNodeBuiltins(code)).toThrow(/Node built-ins/);
  });

  it("accepts bundle text without Node references", () => {
    expect(() =>
      assertNoNodeBuiltins('const nodes = "nodes"; requireAll("x"); fetch("/node_modules/x.js");'),
    ).not.toThrow();
  });
});
