// @vitest-environment jsdom
import { describe, expect, it } from "vitest";

import { ApiError } from "./api";
import { formatRows, renderError, renderRowCounts } from "./rowCounts";

describe("formatRows", () => {
  it("groups thousands", () => {
    expect(formatRows(0, "en")).toBe("0");
    expect(formatRows(1234567, "en")).toBe("1,234,567");
  });
});

describe("renderRowCounts", () => {
  it("shows one row per table with its name and formatted count", () => {
    const root = document.createElement("main");
    renderRowCounts(root, [
      { table: "user", rows: 1200 },
      { table: "team", rows: 0 },
    ]);

    const rows = [...root.querySelectorAll("[data-testid=row-counts] tbody tr")].map((row) => [
      row.querySelector("th")?.textContent,
      row.querySelector("td")?.textContent,
    ]);
    expect(rows).toEqual([
      ["user", formatRows(1200)],
      ["team", "0"],
    ]);
  });

  it("shows a command error as an alert with its code", () => {
    const root = document.createElement("main");
    renderError(root, new ApiError({ code: "io", message: "disk full" }));

    const alert = root.querySelector("[role=alert]");
    expect(alert?.textContent).toBe("Could not load row counts: disk full (io)");
  });
});
