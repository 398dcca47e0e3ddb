/** Small pure helpers the screens share: names, times, counts, keys. */
import type { ChatName, VersionName } from "../api";
import { UI_LANGUAGE } from "./language";

/** The name in the UI's language, else the first one, else a placeholder. */
export function pickName(names: readonly (ChatName | VersionName)[], language = UI_LANGUAGE): string {
  const preferred = names.find((n) => n.language === language && n.name) ?? names.find((n) => n.name);
  return preferred?.name ?? "(unnamed)";
}

/** "99+" past the cap the Rust side counts to; nothing for zero. */
export function unreadLabel(unread: number, cap = 99): string {
  if (unread <= 0) return "";
  return unread >= cap ? `${cap}+` : String(unread);
}

/** A stored UTC timestamp (`2025-01-31T12:00:00.000000Z`) as local date and time. */
export function formatTime(stored: string | null | undefined, locale?: string): string {
  if (!stored) return "—";
  const date = new Date(stored.replace(/(\.\d{3})\d*Z$/, "$1Z"));
  if (Number.isNaN(date.getTime())) return stored;
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(date);
}

/** Milliseconds as a short duration: `850 ms`, `12.3 s`, `4 min 5 s`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes} min ${seconds} s`;
}

/** What a key press in the compose box means: Enter sends, Shift+Enter is a new line. */
export function composeKey(event: Pick<KeyboardEvent, "key" | "shiftKey" | "isComposing">): "send" | "newline" | null {
  if (event.key !== "Enter" || event.isComposing) return null;
  return event.shiftKey ? "newline" : "send";
}

/** Groups digits the way the user's locale does (`12345` → `12,345` in English). */
export function formatCount(rows: number, locale?: string): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(rows);
}
