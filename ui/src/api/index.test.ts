import { beforeEach, describe, expect, it, vi } from "vitest";

// The generated bindings call Tauri's `invoke`; replacing it exercises them as well as `api`.
const invoke = vi.hoisted(() => vi.fn());
vi.mock("@tauri-apps/api/core", () => ({ invoke, Channel: class {} }));

import { api, ApiError, IPC_ERROR_CODE } from "./index";

describe("api.rowCounts", () => {
  beforeEach(() => {
    invoke.mockReset();
  });

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
    expect({ code, message, field }).toEqual({
      code: "not_found",
      message: "no such table",
      field: "table",
    });
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
