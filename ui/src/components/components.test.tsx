import { cleanup, fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

const api = vi.hoisted(() => ({
  listChats: vi.fn(),
  getChat: vi.fn(),
  createChat: vi.fn(),
  postMessage: vi.fn(),
  editMessage: vi.fn(),
  deleteMessage: vi.fn(),
  react: vi.fn(),
  markChatRead: vi.fn(),
  getRun: vi.fn(),
  setRunStatus: vi.fn(),
  addRunStep: vi.fn(),
  addRunIo: vi.fn(),
  search: vi.fn(),
}));
vi.mock("../api", async (original) => ({ ...(await original<typeof import("../api")>()), api }));

import { ApiError, type ChatThread, type MessageView, type RunDetail } from "../api";
import { ChatThreadView, EARLIER_PAGE, FIRST_PAGE } from "../screens/ChatThread";
import { Chats } from "../screens/Chats";
import { RunView } from "../screens/RunView";
import { refreshChats } from "../state/chats";
import { navigate } from "../state/router";
import { VirtualList } from "./VirtualList";

// jsdom lays nothing out; the virtual list sizes its window from the scroller's client box.
Object.defineProperty(HTMLElement.prototype, "clientHeight", { configurable: true, get: () => 600 });
Object.defineProperty(HTMLElement.prototype, "clientWidth", { configurable: true, get: () => 800 });

beforeEach(() => {
  for (const fn of Object.values(api)) fn.mockReset();
  api.markChatRead.mockResolvedValue(undefined);
  api.listChats.mockResolvedValue([]);
  navigate({ screen: "chats" });
  refreshChats();
});
afterEach(cleanup);

function message(id: number, depth = 0, text = `message ${id}`): MessageView {
  return {
    id: String(id),
    parentId: null,
    depth,
    language: "en",
    text,
    versionIndex: 0,
    createdAt: "2025-01-31T12:00:00.000000Z",
    updatedAt: "2025-01-31T12:00:00.000000Z",
    authorId: "7",
    editable: true,
    reactions: [],
  };
}

function thread(messages: MessageView[], hasEarlier = false): ChatThread {
  return {
    id: "1",
    names: [{ language: "en", name: "Team", description: null }],
    createdAt: "2025-01-31T12:00:00.000000Z",
    participants: [],
    invites: [],
    messages,
    hasEarlier,
  };
}

describe("VirtualList", () => {
  it("renders a screenful of 10,000 items, not all of them", () => {
    const items = Array.from({ length: 10_000 }, (_, i) => i);
    render(() => (
      <VirtualList items={items} estimate={40} key={String} label="Numbers">
        {(n) => <span data-testid="row">{n}</span>}
      </VirtualList>
    ));
    const rows = screen.getAllByTestId("row");
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.length).toBeLessThan(100);
    expect(rows.map((r) => r.textContent)).toContain("0");
  });
});

describe("Chats", () => {
  it("lists chats with unread badges", async () => {
    api.listChats.mockResolvedValue([
      { id: "2", names: [{ language: "en", name: "Busy", description: null }], lastActivity: "", preview: "hi", unread: 120 },
      { id: "1", names: [{ language: "en", name: "Quiet", description: null }], lastActivity: "", preview: null, unread: 0 },
    ]);
    render(() => <Chats />);
    const items = await screen.findAllByTestId("chat-item");
    expect(items.map((i) => i.querySelector(".item-title")?.textContent)).toEqual(["Busy", "Quiet"]);
    expect(screen.getAllByTestId("unread").map((b) => b.textContent)).toEqual(["99+"]);
  });

  it("shows the name's error in place when the command refuses it", async () => {
    api.listChats.mockResolvedValue([]);
    api.createChat.mockRejectedValue(
      new ApiError({ code: "invalid", message: "must be at most 128 characters", field: "name" }),
    );
    render(() => <Chats />);
    await screen.findByTestId("no-chats");
    fireEvent.input(screen.getByTestId("new-chat-name"), { target: { value: "x".repeat(200) } });
    fireEvent.submit(screen.getByTestId("new-chat"));
    await waitFor(() =>
      expect(screen.getByTestId("field-error-new-chat-name-error").textContent).toBe("must be at most 128 characters"),
    );
    expect(screen.getByTestId("new-chat-name").getAttribute("aria-invalid")).toBe("true");
  });
});

describe("ChatThreadView", () => {
  it("indents replies and sends on Enter but not on Shift+Enter", async () => {
    api.getChat.mockResolvedValue(thread([message(1), message(2, 1, "a reply")]));
    api.postMessage.mockResolvedValue(message(3));
    render(() => <ChatThreadView chatId="1" />);

    const rows = await screen.findAllByTestId("message");
    expect(rows.map((r) => r.dataset.depth)).toEqual(["0", "1"]);
    await waitFor(() => expect(api.markChatRead).toHaveBeenCalledWith("1"));

    const box = screen.getByTestId("compose-text") as HTMLTextAreaElement;
    fireEvent.input(box, { target: { value: "line one" } });
    fireEvent.keyDown(box, { key: "Enter", shiftKey: true });
    expect(api.postMessage).not.toHaveBeenCalled();
    fireEvent.keyDown(box, { key: "Enter" });
    await waitFor(() => expect(api.postMessage).toHaveBeenCalledWith("1", "line one", expect.any(String), null));
  });

  it("replies to the message whose Reply was pressed", async () => {
    api.getChat.mockResolvedValue(thread([message(1)]));
    api.postMessage.mockResolvedValue(message(2, 1));
    render(() => <ChatThreadView chatId="1" />);
    fireEvent.click(await screen.findByTestId("reply"));
    expect(screen.getByTestId("replying-to").textContent).toContain("message 1");
    fireEvent.input(screen.getByTestId("compose-text"), { target: { value: "agreed" } });
    fireEvent.submit(screen.getByTestId("compose"));
    await waitFor(() => expect(api.postMessage).toHaveBeenCalledWith("1", "agreed", expect.any(String), "1"));
  });

  it("offers edit and delete only on messages this device may change", async () => {
    const theirs = { ...message(2, 0, "someone else's"), authorId: "8", editable: false };
    api.getChat.mockResolvedValue(thread([message(1), theirs]));
    render(() => <ChatThreadView chatId="1" />);
    const rows = await screen.findAllByTestId("message");
    expect(rows.map((r) => r.querySelector("[data-testid=edit]") !== null)).toEqual([true, false]);
    expect(rows.map((r) => r.querySelector("[data-testid=delete]") !== null)).toEqual([true, false]);
    expect(rows.map((r) => r.querySelector("[data-testid=reply]") !== null)).toEqual([true, true]);
  });

  it("toggles a reaction: pressing mine takes it back, a quick one adds it", async () => {
    const reacted = { ...message(1), reactions: [{ emoji: "👍", count: 2, mine: true }] };
    api.getChat.mockResolvedValue(thread([reacted]));
    api.react.mockResolvedValue(undefined);
    render(() => <ChatThreadView chatId="1" />);
    const mine = await screen.findByTestId("reaction");
    expect(mine.getAttribute("aria-pressed")).toBe("true");
    expect(mine.textContent).toContain("2");
    fireEvent.click(mine);
    await waitFor(() => expect(api.react).toHaveBeenCalledWith("1", "👍", false));
    const quick = screen.getAllByTestId("add-reaction");
    expect(quick.map((b) => b.dataset.emoji)).not.toContain("👍");
    fireEvent.click(quick[0]!);
    await waitFor(() => expect(api.react).toHaveBeenCalledWith("1", quick[0]!.dataset.emoji, true));
  });

  it("opens with a first page and loads earlier messages on request", async () => {
    api.getChat.mockResolvedValueOnce(thread([message(9), message(10)], true));
    api.getChat.mockResolvedValueOnce(thread([message(1), message(9), message(10)], false));
    render(() => <ChatThreadView chatId="1" focusMessageId="9" />);
    fireEvent.click(await screen.findByTestId("load-earlier"));
    await waitFor(() => expect(screen.getAllByTestId("message")).toHaveLength(3));
    expect(api.getChat.mock.calls.map((c) => c[1])).toEqual([FIRST_PAGE, FIRST_PAGE + EARLIER_PAGE]);
    expect(api.getChat).toHaveBeenCalledWith("1", FIRST_PAGE, "9");
    expect(screen.queryByTestId("load-earlier")).toBeNull();
  });

  it("shows an empty state and a load error", async () => {
    api.getChat.mockResolvedValueOnce(thread([]));
    render(() => <ChatThreadView chatId="1" />);
    await screen.findByTestId("no-messages");
    cleanup();

    api.getChat.mockRejectedValueOnce(new ApiError({ code: "not_found", message: "chat 1 does not exist" }));
    render(() => <ChatThreadView chatId="1" />);
    expect((await screen.findByTestId("load-error")).textContent).toContain("not_found");
  });
});

describe("RunView", () => {
  const detail = (status: RunDetail["run"]["status"], allowed: RunDetail["allowed"]): RunDetail => ({
    run: {
      id: "5",
      name: "nightly",
      status,
      resourceVersionId: null,
      startedAt: null,
      completedAt: null,
      timeElapsed: null,
      createdAt: "2025-01-31T12:00:00.000000Z",
      updatedAt: "2025-01-31T12:00:00.000000Z",
    },
    allowed,
    steps: [],
    io: [],
  });

  it("offers exactly the moves the command allows", async () => {
    api.getRun.mockResolvedValue(detail("Paused", ["InProgress", "Cancelled"]));
    api.setRunStatus.mockResolvedValue(detail("InProgress", []).run);
    render(() => <RunView runId="5" />);
    await screen.findByTestId("run-detail");
    expect(screen.queryByTestId("transition-Completed")).toBeNull();
    expect(screen.getByTestId("transition-InProgress").textContent).toBe("Resume");
    fireEvent.click(screen.getByTestId("transition-Cancelled"));
    await waitFor(() => expect(api.setRunStatus).toHaveBeenCalledWith("5", "Cancelled"));
  });

  it("offers nothing once the run has ended", async () => {
    api.getRun.mockResolvedValue(detail("Completed", []));
    render(() => <RunView runId="5" />);
    await screen.findByTestId("run-detail");
    expect(screen.queryAllByRole("button", { name: /Start|Resume|Pause|Cancel|Complete/ })).toEqual([]);
  });
});
