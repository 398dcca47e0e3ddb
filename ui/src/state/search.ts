/** Pure helpers of the search dialog: where a hit leads, and moving the selection. */
import type { Hit } from "../api";
import type { Route } from "./router";

/** The screen a hit opens, or `null` for kinds that have no screen yet (teams, comments). */
export function routeFor(hit: Hit): Route | null {
  const target = hit.target;
  switch (target.kind) {
    case "chat":
      return target.messageId
        ? { screen: "chats", chatId: target.chatId, messageId: target.messageId }
        : { screen: "chats", chatId: target.chatId };
    case "resource":
      return { screen: "resources", resourceId: target.resourceId, versionId: target.versionId };
    case "none":
      return null;
  }
}

/** The selection after an arrow key: wraps around, stays put in an empty list. */
export function moveSelection(current: number, delta: number, count: number): number {
  if (count <= 0) return -1;
  if (current < 0) return delta > 0 ? 0 : count - 1;
  return (((current + delta) % count) + count) % count;
}

const KIND_LABELS: Record<string, string> = {
  message: "Message",
  chat: "Chat",
  resource: "Resource",
  team: "Team",
  comment: "Comment",
};

export function kindLabel(kind: string): string {
  return KIND_LABELS[kind] ?? kind;
}
