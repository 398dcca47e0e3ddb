// The desktop app embeds `dist/` (tauri.conf.json `frontendDist`); everything is bundled
// locally because the CSP allows no remote origin.
import { defineConfig } from "vitest/config";

export default defineConfig({
  clearScreen: false,
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // WebKitGTK is the only engine this bundle runs in; no legacy transforms needed.
    target: "es2022",
  },
  test: {
    include: ["src/**/*.test.ts"],
  },
});
