import { describe, expect, it } from "vitest";

import type { SyncState } from "../api";
import { applySyncState, syncedAt, syncedRevision, syncLabel, syncState } from "./sync";

const NOW = new Date("2025-03-04T15:00:00Z");

describe("syncLabel", () => {
  it("says local only when signed out", () => {
    expect(syncLabel({ state: "signedOut" }, NOW)).toMatchObject({ text: "Local only", tone: "idle" });
  });

  it("says offline with when it tries again, never synced", () => {
    const label = syncLabel({ state: "offline", retryInMs: 2400 }, NOW);
    expect(label).toMatchObject({ text: "Offline", tone: "warn" });
    expect(label.detail).toContain("trying again in 2 s");
    expect(syncLabel({ state: "offline", retryInMs: 10 }, NOW).detail).toContain("in 1 s");
  });

  it("counts documents while syncing, and says only 'syncing' while it starts", () => {
    expect(syncLabel({ state: "syncing", done: 2, total: 5 }, NOW)).toMatchObject({
      text: "Syncing 2 of 5",
      tone: "busy",
    });
    expect(syncLabel({ state: "syncing", done: 0, total: 0 }, NOW).text).toBe("Syncing…");
  });

  it("says synced with the time only for the synced state", () => {
    const label = syncLabel({ state: "synced", at: "2025-03-04T14:59:00.000000Z" }, NOW, "en-GB");
    expect(label.tone).toBe("ok");
    expect(label.text).toMatch(/^Synced at \d\d:\d\d$/);
    const others: SyncState[] = [
      { state: "signedOut" },
      { state: "offline", retryInMs: 1000 },
      { state: "syncing", done: 4, total: 5 },
      { state: "error", code: "unsettled", message: "2 document(s) have changes the server has not acknowledged" },
    ];
    for (const status of others) {
      expect(syncLabel(status, NOW).text, status.state).not.toMatch(/synced/i);
    }
  });

  it("shows an error's code and reason on one line", () => {
    const label = syncLabel({ state: "error", code: "keyring", message: "no keyring\nis reachable" }, NOW);
    expect(label).toMatchObject({ text: "Sync error", tone: "error" });
    expect(label.detail).toBe("Sync error (keyring): no keyring is reachable");
    const long = syncLabel({ state: "error", code: "x", message: "y".repeat(500) }, NOW);
    expect(long.detail.length).toBeLessThan(140);
  });
});

describe("syncedAt", () => {
  it("shows only the time today and the date otherwise", () => {
    expect(syncedAt("2025-03-04T09:05:00.000000Z", NOW, "en-GB")).not.toMatch(/2025/);
    expect(syncedAt("2025-03-01T09:05:00.000000Z", NOW, "en-GB")).toMatch(/2025/);
    expect(syncedAt("garbage", NOW)).toBe("garbage");
  });
});

describe("applySyncState", () => {
  it("moves the synced revision once per finished sync", () => {
    const before = syncedRevision();
    applySyncState({ state: "syncing", done: 0, total: 3 });
    expect(syncedRevision()).toBe(before);
    applySyncState({ state: "synced", at: "2025-03-04T14:00:00.000000Z" });
    applySyncState({ state: "synced", at: "2025-03-04T14:00:00.000000Z" });
    expect(syncedRevision()).toBe(before + 1);
    applySyncState({ state: "synced", at: "2025-03-04T14:01:00.000000Z" });
    expect(syncedRevision()).toBe(before + 2);
    expect(syncState()).toEqual({ state: "synced", at: "2025-03-04T14:01:00.000000Z" });
  });
});
