import { beforeEach, describe, expect, it, vi } from "vitest";

// The generated bindings call Tauri's `invoke` and `listen`; replacing them exercises the
// bindings as well as `api`.
const invoke = vi.hoisted(() => vi.fn());
const listen = vi.hoisted(() => vi.fn());
vi.mock("@tauri-apps/api/core", () => ({ invoke, Channel: class {} }));
vi.mock("@tauri-apps/api/event", () => ({ listen, once: vi.fn(), emit: vi.fn(), emitTo: vi.fn() }));

import { api, ApiError, describeError, fieldError, IPC_ERROR_CODE } from "./index";

beforeEach(() => {
  invoke.mockReset();
  listen.mockReset();
});

describe("api.rowCounts", () => {
  it("invokes the row_counts command and returns its rows", async () => {
    invoke.mockResolvedValue([{ table: "user", rows: 3 }]);

    await expect(api.rowCounts()).resolves.toEqual([{ table: "user", rows: 3 }]);
    expect(invoke).toHaveBeenCalledWith("row_counts");
  });

  it("turns the command's error into an ApiError with its code and field", async () => {
    invoke.mockRejectedValue({ code: "not_found", message: "no such table", field: "table" });

    const error = await api.rowCounts().then(
      () => expect.fail("rowCounts should have rejected"),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApiError);
    const { code, message, field } = error as ApiError;
    expect({ code, message, field }).toEqual({ code: "not_found", message: "no such table", field: "table" });
  });

  it("reports Tauri's own string rejections (e.g. a denied command) under the ipc code", async () => {
    invoke.mockRejectedValue("row_counts not allowed. Command not found");

    await expect(api.rowCounts()).rejects.toMatchObject({
      name: "ApiError",
      code: IPC_ERROR_CODE,
      message: "row_counts not allowed. Command not found",
    });
  });
});

describe("chat commands", () => {
  it("pass ids as strings and name every argument", async () => {
    invoke.mockResolvedValue({ id: "9007199254740993" });

    await api.postMessage("9007199254740993", "hello", "en", "9007199254740995");
    expect(invoke).toHaveBeenCalledWith("post_message", {
      chatId: "9007199254740993",
      text: "hello",
      language: "en",
      replyTo: "9007199254740995",
    });

    await api.postMessage("1", "top level", "en");
    expect(invoke).toHaveBeenLastCalledWith("post_message", {
      chatId: "1",
      text: "top level",
      language: "en",
      replyTo: null,
    });
  });

  it("resolve deletes to nothing", async () => {
    invoke.mockResolvedValue(null);
    await expect(api.deleteMessage("5")).resolves.toBeUndefined();
    expect(invoke).toHaveBeenCalledWith("delete_message", { messageId: "5" });
  });

  it("send a version's flags under their command names", async () => {
    invoke.mockResolvedValue("77");
    await expect(
      api.addVersion("3", { label: "1.1.0", complete: true, private: false, notes: null }),
    ).resolves.toBe("77");
    expect(invoke).toHaveBeenCalledWith("add_version", {
      resourceId: "3",
      label: "1.1.0",
      complete: true,
      isPrivate: false,
      notes: null,
    });
  });
});

describe("api.documentAt", () => {
  it("parses the document's JSON text", async () => {
    invoke.mockResolvedValue('{"versions":{"1":{"versionLabel":"1.0.0"}}}');
    await expect(api.documentAt("resource:1", "abc")).resolves.toEqual({
      versions: { "1": { versionLabel: "1.0.0" } },
    });
    expect(invoke).toHaveBeenCalledWith("document_at", { docId: "resource:1", heads: "abc" });
  });
});

describe("api.onDocumentsChanged", () => {
  it("listens to the typed event and hands over its changes", async () => {
    const unlisten = vi.fn();
    listen.mockResolvedValue(unlisten);
    const seen: unknown[] = [];

    const stop = await api.onDocumentsChanged((changes) => seen.push(changes));
    expect(listen).toHaveBeenCalledWith("documents-changed", expect.any(Function));
    const handler = listen.mock.calls[0]?.[1] as (event: { payload: unknown }) => void;
    handler({ payload: { changes: [{ area: "chat", id: "12" }] } });

    expect(seen).toEqual([[{ area: "chat", id: "12" }]]);
    stop();
    expect(unlisten).toHaveBeenCalled();
  });
});

describe("account commands", () => {
  it("send the sign-in form under the command's argument names", async () => {
    invoke.mockResolvedValue({ signedIn: true });
    await api.signIn("http://127.0.0.1:8787", "me@example.org", "pw", true);
    expect(invoke).toHaveBeenCalledWith("sign_in", {
      server: "http://127.0.0.1:8787",
      email: "me@example.org",
      password: "pw",
      createAccount: true,
    });
    invoke.mockResolvedValue([]);
    await api.revokeDevice("42");
    expect(invoke).toHaveBeenLastCalledWith("revoke_device", { deviceId: "42" });
    await api.removeMember("7", "9");
    expect(invoke).toHaveBeenLastCalledWith("remove_member", { teamId: "7", userId: "9" });
  });

  it("hear the sync status event", async () => {
    listen.mockResolvedValue(vi.fn());
    const seen: unknown[] = [];
    await api.onSyncStatus((status) => seen.push(status));
    expect(listen).toHaveBeenCalledWith("sync-status-changed", expect.any(Function));
    const handler = listen.mock.calls[0]?.[1] as (event: { payload: unknown }) => void;
    handler({ payload: { status: { state: "offline", retryInMs: 500 } } });
    expect(seen).toEqual([{ state: "offline", retryInMs: 500 }]);
  });
});

describe("fieldError", () => {
  it("names the message only for the input the error is about", () => {
    const error = new ApiError({ code: "invalid", message: "name is too long", field: "name" });
    expect(fieldError(error, "name")).toBe("name is too long");
    expect(fieldError(error, "language")).toBeUndefined();
    expect(fieldError(new Error("boom"), "name")).toBeUndefined();
  });

  it("matches one of several fields of a conflict", () => {
    const error = new ApiError({ code: "conflict", message: "taken", field: "chatId,language" });
    expect(fieldError(error, "language")).toBe("taken");
  });

  it("describes other errors with their code", () => {
    expect(describeError(new ApiError({ code: "busy", message: "database is busy" }))).toBe(
      "database is busy (busy)",
    );
  });
});
