// The desktop app embeds `dist/` (tauri.conf.json `frontendDist`); everything is bundled
// locally because the CSP allows no remote origin.
import solid from "vite-plugin-solid";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [solid()],
  clearScreen: false,
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // WebKitGTK is the only engine this bundle runs in; no legacy transforms needed.
    target: "es2022",
    // Solid compiles templates to DOM clones at build time: nothing needs `eval` at run time,
    // which the CSP forbids.
    modulePreload: { polyfill: false },
  },
  test: {
    include: ["src/**/*.test.{ts,tsx}"],
    environment: "jsdom",
  },
});
