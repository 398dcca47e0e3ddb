/**
 * Applies the theme: `light` and `dark` set `data-theme` on the root element, `system` removes
 * it so the stylesheet follows `prefers-color-scheme`.
 */
import { createSignal } from "solid-js";

import type { Theme } from "../api";

const [theme, setThemeSignal] = createSignal<Theme>("system");

export { theme };

export function applyTheme(next: Theme, root: HTMLElement = document.documentElement): void {
  setThemeSignal(next);
  if (next === "system") {
    delete root.dataset.theme;
  } else {
    root.dataset.theme = next;
  }
}
