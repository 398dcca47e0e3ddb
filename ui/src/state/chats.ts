/**
 * The chat list, shared by the list pane and the thread (which marks a chat read and so
 * changes its unread count). It loads on first use, then reloads on any chat change and on
 * `refreshChats`.
 */
import { createResource, createRoot, createSignal, type Resource } from "solid-js";

import { api, type ChatSummary } from "../api";
import { revision } from "./changes";

const [readMarks, setReadMarks] = createSignal(0);
let list: Resource<ChatSummary[]> | undefined;

/** Reloads the list after something the events do not cover (marking a chat read). */
export function refreshChats(): void {
  setReadMarks((n) => n + 1);
}

export function chatList(): Resource<ChatSummary[]> {
  list ??= createRoot(
    () =>
      createResource(
        () => [revision("chat"), readMarks()] as const,
        (): Promise<ChatSummary[]> => api.listChats(),
      )[0],
  );
  return list;
}

/** Marks `chatId` read on this device, then reloads the list's unread counts. */
export async function markRead(chatId: string): Promise<void> {
  await api.markChatRead(chatId);
  refreshChats();
}
