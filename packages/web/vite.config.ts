import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// `npm run dev -w @sightglass/web` serves the UI with hot reload and forwards API calls to a running server
// (SIGHTGLASS_URL, default http://localhost:8080); the production build is served by the server itself.
const api = process.env["SIGHTGLASS_URL"] ?? "http://localhost:8080";

export default defineConfig({
  plugins: [react()],
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    proxy: { "/api": api, "/openapi.json": api },
  },
});
