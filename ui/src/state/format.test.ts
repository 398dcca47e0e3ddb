import { describe, expect, it } from "vitest";

import { composeKey, formatCount, formatDuration, formatTime, pickName, unreadLabel } from "./format";

describe("composeKey", () => {
  const key = (key: string, shiftKey = false, isComposing = false) => ({ key, shiftKey, isComposing });

  it("sends on Enter and keeps Shift+Enter as a new line", () => {
    expect(composeKey(key("Enter"))).toBe("send");
    expect(composeKey(key("Enter", true))).toBe("newline");
    expect(composeKey(key("a"))).toBeNull();
  });

  it("leaves Enter to an input method that is composing", () => {
    expect(composeKey(key("Enter", false, true))).toBeNull();
  });
});

describe("unreadLabel", () => {
  it("is empty at zero and caps at 99+", () => {
    expect(unreadLabel(0)).toBe("");
    expect(unreadLabel(7)).toBe("7");
    expect(unreadLabel(99)).toBe("99+");
  });
});

describe("pickName", () => {
  const names = [
    { language: "de", name: "Hallo", description: null },
    { language: "en", name: "Hello", description: null },
  ];

  it("prefers the UI's language, then the first name", () => {
    expect(pickName(names, "en")).toBe("Hello");
    expect(pickName(names, "fr")).toBe("Hallo");
    expect(pickName([], "en")).toBe("(unnamed)");
  });
});

describe("formatting", () => {
  it("reads stored microsecond timestamps", () => {
    expect(formatTime("2025-01-31T12:00:00.123456Z", "en")).toMatch(/2025/);
    expect(formatTime(null)).toBe("—");
  });

  it("writes durations and counts", () => {
    expect(formatDuration(850)).toBe("850 ms");
    expect(formatDuration(12_300)).toBe("12.3 s");
    expect(formatDuration(245_000)).toBe("4 min 5 s");
    expect(formatDuration(null)).toBe("—");
    expect(formatCount(1234567, "en")).toBe("1,234,567");
  });
});
