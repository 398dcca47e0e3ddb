import { cleanup, fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

const api = vi.hoisted(() => ({ search: vi.fn() }));
vi.mock("../api", async (original) => ({ ...(await original<typeof import("../api")>()), api }));

import type { Hit } from "../api";
import { navigate, route } from "../state/router";
import { SearchDialog } from "./Search";

// jsdom has <dialog> but not its modal methods.
beforeAll(() => {
  HTMLDialogElement.prototype.showModal ??= function (this: HTMLDialogElement) {
    this.open = true;
  };
  HTMLDialogElement.prototype.close ??= function (this: HTMLDialogElement) {
    this.open = false;
  };
});
beforeEach(() => {
  api.search.mockReset();
  navigate({ screen: "settings" });
});
afterEach(cleanup);

const hits: Hit[] = [
  {
    kind: "message",
    id: "9",
    target: { kind: "chat", chatId: "4", messageId: "9" },
    snippet: [
      { text: "Hello, ", matched: false },
      { text: "edited", matched: true },
      { text: " text", matched: false },
    ],
  },
  { kind: "team", id: "2", target: { kind: "none" }, snippet: [{ text: "edited team", matched: false }] },
];

describe("SearchDialog", () => {
  it("highlights matches and opens the selected hit on Enter", async () => {
    api.search.mockResolvedValue(hits);
    const onClose = vi.fn();
    render(() => <SearchDialog open={true} onClose={onClose} />);
    const input = screen.getByTestId("search-input");
    fireEvent.input(input, { target: { value: "edited" } });

    const found = await screen.findAllByTestId("search-hit");
    expect(api.search).toHaveBeenCalledWith("edited", 20);
    expect(found[0]?.querySelector("mark")?.textContent).toBe("edited");
    expect(found[0]?.getAttribute("aria-selected")).toBe("true");

    fireEvent.keyDown(input, { key: "Enter" });
    expect(onClose).toHaveBeenCalled();
    expect(route()).toEqual({ screen: "chats", chatId: "4", messageId: "9" });
  });

  it("moves with the arrows and does not open hits without a screen", async () => {
    api.search.mockResolvedValue(hits);
    const onClose = vi.fn();
    render(() => <SearchDialog open={true} onClose={onClose} />);
    const input = screen.getByTestId("search-input");
    fireEvent.input(input, { target: { value: "edited" } });
    await screen.findAllByTestId("search-hit");

    fireEvent.keyDown(input, { key: "ArrowDown" });
    await waitFor(() => expect(screen.getAllByTestId("search-hit")[1]?.getAttribute("aria-selected")).toBe("true"));
    fireEvent.keyDown(input, { key: "Enter" });
    expect(onClose).not.toHaveBeenCalled();
    expect(route()).toEqual({ screen: "settings" });
  });

  it("says when nothing matches", async () => {
    api.search.mockResolvedValueOnce([]);
    render(() => <SearchDialog open={true} onClose={() => undefined} />);
    fireEvent.input(screen.getByTestId("search-input"), { target: { value: "zzz" } });
    expect((await screen.findByTestId("no-hits")).textContent).toContain("zzz");
  });
});
