import { describe, expect, it } from "vitest";

import type { Hit } from "../api";
import { applyChanges, revision } from "./changes";
import { resourceTypes, versionAt } from "./resources";
import { isJson, statusLabel, transitionLabel } from "./runs";
import { moveSelection, routeFor } from "./search";

describe("revision", () => {
  it("moves for the changed aggregate and its area, not for others", () => {
    const chatBefore = revision("chat", "1");
    const areaBefore = revision("chat");
    const otherBefore = revision("chat", "2");
    const runsBefore = revision("run");

    applyChanges([{ area: "chat", id: "1" }]);

    expect(revision("chat", "1")).toBe(chatBefore + 1);
    expect(revision("chat")).toBe(areaBefore + 1);
    expect(revision("chat", "2")).toBe(otherBefore);
    expect(revision("run")).toBe(runsBefore);
  });
});

describe("search helpers", () => {
  const hit = (target: Hit["target"]): Hit => ({ kind: "message", id: "1", target, snippet: [] });

  it("opens a message in its chat, a resource at its version, nothing for teams", () => {
    expect(routeFor(hit({ kind: "chat", chatId: "4", messageId: "9" }))).toEqual({
      screen: "chats",
      chatId: "4",
      messageId: "9",
    });
    expect(routeFor(hit({ kind: "chat", chatId: "4", messageId: null }))).toEqual({ screen: "chats", chatId: "4" });
    expect(routeFor(hit({ kind: "resource", resourceId: "2", versionId: "3" }))).toEqual({
      screen: "resources",
      resourceId: "2",
      versionId: "3",
    });
    expect(routeFor(hit({ kind: "none" }))).toBeNull();
  });

  it("wraps the selection around", () => {
    expect(moveSelection(-1, 1, 3)).toBe(0);
    expect(moveSelection(-1, -1, 3)).toBe(2);
    expect(moveSelection(2, 1, 3)).toBe(0);
    expect(moveSelection(0, -1, 3)).toBe(2);
    expect(moveSelection(0, 1, 0)).toBe(-1);
  });
});

describe("resource helpers", () => {
  it("lists each type once, sorted", () => {
    const r = (resourceType: string) => ({
      id: "1",
      resourceType,
      deleted: false,
      latestLabel: null,
      names: [],
      versions: 1,
      createdAt: "",
    });
    expect(resourceTypes([r("Routine"), r("Note"), r("Routine")])).toEqual(["Note", "Routine"]);
  });

  it("reads a version out of a resource document, booleans stored as 0/1", () => {
    const doc = {
      resource: { id: 1 },
      versions: {
        "7": {
          versionLabel: "1.1.0",
          isComplete: 1,
          isPrivate: 0,
          isDeleted: 0,
          versionNotes: "faster",
          translations: { en: { name: "Sorter", description: null } },
        },
      },
    };
    expect(versionAt(doc, "7")).toEqual({
      label: "1.1.0",
      complete: true,
      private: false,
      deleted: false,
      notes: "faster",
      names: [{ language: "en", name: "Sorter", description: null }],
    });
    expect(versionAt(doc, "8")).toBeNull();
    expect(versionAt("not a document", "7")).toBeNull();
  });
});

describe("run helpers", () => {
  it("names moves by where the run is", () => {
    expect(transitionLabel("Scheduled", "InProgress")).toBe("Start");
    expect(transitionLabel("Paused", "InProgress")).toBe("Resume");
    expect(transitionLabel("InProgress", "Cancelled")).toBe("Cancel");
    expect(statusLabel("InProgress")).toBe("In progress");
  });

  it("accepts only JSON as io data", () => {
    expect(isJson('{"a": 1}')).toBe(true);
    expect(isJson("42")).toBe(true);
    expect(isJson("not json")).toBe(false);
  });
});
