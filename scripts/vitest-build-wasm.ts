// Vitest global setup: tests import the package sources, which import the generated WebAssembly
// kernel module; make sure it exists and is current even when tests run without `npm run build`.
// @ts-expect-error -- plain ESM build script without type declarations
import { buildWasm } from "./build-wasm.mjs";

export default async function setup(): Promise<void> {
  await buildWasm();
}
