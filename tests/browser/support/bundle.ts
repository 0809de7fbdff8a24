// Bundles a test workload for the browser with esbuild, in memory: platform "browser", format esm, the
// workspace packages resolved to their TypeScript sources exactly as vitest.config.ts aliases them, and no
// Node built-in allowed anywhere in the graph. A `node:` (or bare built-in such as "fs") import is a build
// error, never an external: the suite exists to prove the library runs where plain JavaScript runs.
import { build } from "esbuild";
import type { Message, Metafile, Plugin } from "esbuild";
import { isBuiltin } from "node:module";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import vitestConfig from "../../../vitest.config.js";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** The `@sightglass/*` aliases of vitest.config.ts (specifier → TypeScript source), the single source of truth. */
export function workspaceAliases(): ReadonlyMap<string, string> {
  const alias = vitestConfig.resolve?.alias;
  if (alias === undefined || Array.isArray(alias)) {
    throw new Error("vitest.config.ts is expected to declare resolve.alias as a specifier → path record");
  }
  const entries = Object.entries(alias as Record<string, string>).filter(([key]) =>
    key.startsWith("@sightglass/"),
  );
  if (entries.length === 0) throw new Error("vitest.config.ts declares no @sightglass/* alias");
  return new Map(entries);
}

/** Resolves `@sightglass/*` by exact specifier only, so a missing alias fails instead of finding a stale dist/. */
function workspacePackages(aliases: ReadonlyMap<string, string>): Plugin {
  return {
    name: "sightglass-workspace-sources",
    setup(b) {
      b.onResolve({ filter: /^@sightglass\// }, (args) => {
        const path = aliases.get(args.path);
        if (path !== undefined) return { path };
        return {
          errors: [
            {
              text: `"${args.path}" has no alias in vitest.config.ts (known: ${[...aliases.keys()].join(", ")})`,
            },
          ],
        };
      });
    },
  };
}

/**
 * Names the importer of any Node built-in. esbuild with platform "browser" already refuses to resolve them;
 * this turns the refusal into an explicit message and keeps working even if someone adds `external`.
 */
const rejectNodeBuiltins: Plugin = {
  name: "reject-node-builtins",
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (!isBuiltin(args.path)) return undefined;
      const importer = args.importer ? relative(repoRoot, args.importer) : "<entry>";
      return {
        errors: [
          {
            text: `Node built-in "${args.path}" imported by ${importer}: browser bundles must not use Node built-ins`,
          },
        ],
      };
    });
  },
};

export interface BrowserBundle {
  /** The ES module text. */
  readonly code: string;
  /** Source files in the bundle, relative to the repository root. */
  readonly inputs: readonly string[];
}

export class BundleError extends Error {
  constructor(readonly messages: readonly string[]) {
    super(`esbuild could not bundle for the browser:\n${messages.join("\n")}`);
    this.name = "BundleError";
  }
}

function formatMessage(m: Message): string {
  const at = m.location ? `${m.location.file}:${m.location.line}:${m.location.column}: ` : "";
  return `${at}${m.text}${m.notes.map((n) => `\n  note: ${n.text}`).join("")}`;
}

/**
 * Bundles `source` (TypeScript module text; relative imports resolve from `resolveDir`) into one browser ES
 * module. Throws {@link BundleError} on any build error, including a Node built-in import.
 */
export async function bundleModule(source: string, resolveDir: string): Promise<BrowserBundle> {
  let result;
  try {
    result = await build({
      stdin: { contents: source, resolveDir, sourcefile: "browser-entry.ts", loader: "ts" },
      bundle: true,
      write: false,
      platform: "browser",
      format: "esm",
      target: "es2022",
      logLevel: "silent",
      metafile: true,
      plugins: [rejectNodeBuiltins, workspacePackages(workspaceAliases())],
    });
  } catch (error) {
    const errors = (error as { errors?: Message[] }).errors;
    if (Array.isArray(errors) && errors.length > 0) throw new BundleError(errors.map(formatMessage));
    throw error;
  }
  if (result.errors.length > 0) throw new BundleError(result.errors.map(formatMessage));
  const [output] = result.outputFiles;
  if (output === undefined || result.outputFiles.length !== 1) {
    throw new Error(`expected one output file, got ${result.outputFiles.length}`);
  }
  assertSelfContained(result.metafile);
  assertNoNodeBuiltins(output.text);
  const inputs = Object.keys(result.metafile.inputs).map((p) => relative(repoRoot, resolve(p)));
  return { code: output.text, inputs };
}

/** The output must import nothing: every module is inside the bundle (no externals, Node or otherwise). */
function assertSelfContained(metafile: Metafile): void {
  for (const [file, output] of Object.entries(metafile.outputs)) {
    if (output.imports.length > 0) {
      throw new Error(`${file} still imports ${output.imports.map((i) => i.path).join(", ")}`);
    }
  }
}

/**
 * Scans bundle text for anything that would need Node at run time: `node:` specifiers, `require()` of a
 * built-in, or esbuild's `__require` shim (emitted when a CommonJS module keeps a dynamic require).
 */
export function assertNoNodeBuiltins(code: string): void {
  const problems: string[] = [];
  const nodeSpecifier = /["'`](node:[\w/.-]+)["'`]/g;
  for (const match of code.matchAll(nodeSpecifier)) problems.push(`"${match[1]}" specifier`);
  const requireCall = /\brequire\s*\(\s*["'`]([^"'`]+)["'`]\s*\)/g;
  for (const match of code.matchAll(requireCall)) {
    if (isBuiltin(match[1]!)) problems.push(`require("${match[1]}")`);
  }
  if (/\b__require\b/.test(code))
    problems.push("esbuild's __require shim (a CommonJS require survived bundling)");
  if (problems.length > 0) {
    throw new Error(`the browser bundle references Node built-ins: ${[...new Set(problems)].join(", ")}`);
  }
}

/**
 * Bundles a workload module for {@link import("./browser.js").BrowserSession}: the bundle re-exports nothing
 * but `__sightglassRun(name, args)`, which calls the workload's export `name` and returns its result encoded
 * by `toWire` (support/wire.ts) — the same encoding the Node side applies to its own result.
 */
export async function bundleWorkload(workloadFile: string): Promise<BrowserBundle> {
  const workload = JSON.stringify(resolve(workloadFile));
  const wire = JSON.stringify(resolve(repoRoot, "tests/browser/support/wire.ts"));
  const entry = `
import * as workload from ${workload};
import { toWire } from ${wire};
export async function __sightglassRun(name: string, args: unknown[]): Promise<unknown> {
  const fn = (workload as Record<string, unknown>)[name];
  if (typeof fn !== "function") throw new Error("workload has no exported function " + name);
  return toWire(await fn(...args));
}
`;
  return bundleModule(entry, repoRoot);
}
