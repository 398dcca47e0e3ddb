/**
 * Background sync's status, as the always-visible indicator shows it. The shell sends every
 * change as `SyncStatusChanged`; `applySyncState` records it. The label rules are pure
 * (`syncLabel`), so tests pin them: "Synced" appears only for the shell's `synced` state, which
 * the shell never sends while changes are pending.
 */
import { createSignal } from "solid-js";

import type { SyncState } from "../api";

const [syncState, setSyncState] = createSignal<SyncState>({ state: "signedOut" });
/** Moves each time a sync session finishes with everything exchanged (a new "synced at"). */
const [syncedRevision, setSyncedRevision] = createSignal(0);

export { syncState, syncedRevision };

export function applySyncState(next: SyncState): void {
  const before = syncState();
  setSyncState(next);
  if (next.state === "synced" && !(before.state === "synced" && before.at === next.at)) {
    setSyncedRevision((n) => n + 1);
  }
}

export type SyncTone = "idle" | "busy" | "ok" | "warn" | "error";

export interface SyncLabel {
  /** Short, for the indicator. */
  text: string;
  /** The whole sentence, for its tooltip and the Account screen. */
  detail: string;
  tone: SyncTone;
}

/** A stored UTC timestamp as a time of day, with the date when it is not today. */
export function syncedAt(stored: string, now: Date = new Date(), locale?: string): string {
  const date = new Date(stored.replace(/(\.\d{3})\d*Z$/, "$1Z"));
  if (Number.isNaN(date.getTime())) return stored;
  const sameDay = date.toDateString() === now.toDateString();
  const options: Intl.DateTimeFormatOptions = sameDay
    ? { hour: "2-digit", minute: "2-digit" }
    : { dateStyle: "medium", timeStyle: "short" };
  return new Intl.DateTimeFormat(locale, options).format(date);
}

/** A message on one line, cut at `max` characters. */
function oneLine(message: string, max = 120): string {
  const line = message.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export function syncLabel(status: SyncState, now: Date = new Date(), locale?: string): SyncLabel {
  switch (status.state) {
    case "signedOut":
      return {
        text: "Local only",
        detail: "Not signed in: this device keeps its data to itself. Sign in on the Account screen to sync.",
        tone: "idle",
      };
    case "offline": {
      const seconds = Math.max(1, Math.round(status.retryInMs / 1000));
      return {
        text: "Offline",
        detail: `Offline: the server cannot be reached; trying again in ${seconds} s. Changes are kept here.`,
        tone: "warn",
      };
    }
    case "syncing":
      return status.total === 0
        ? { text: "Syncing…", detail: "Syncing with the server…", tone: "busy" }
        : {
            text: `Syncing ${status.done} of ${status.total}`,
            detail: `Syncing: ${status.done} of ${status.total} documents exchanged.`,
            tone: "busy",
          };
    case "synced": {
      const at = syncedAt(status.at, now, locale);
      return { text: `Synced at ${at}`, detail: `Everything here is on the server, as of ${at}.`, tone: "ok" };
    }
    case "error":
      return {
        text: "Sync error",
        detail: `Sync error (${status.code}): ${oneLine(status.message)}`,
        tone: "error",
      };
  }
}
