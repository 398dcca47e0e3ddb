/** The row-counts page: a table of the store's tables and how many rows each holds. */
import { ApiError, type TableRows } from "./api";

/** Groups digits the way the user's locale does (`12345` → `12,345` in English). */
export function formatRows(rows: number, locale?: string): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(rows);
}

export function renderLoading(root: HTMLElement): void {
  root.replaceChildren(heading(), paragraph("Loading row counts…"));
}

export function renderRowCounts(root: HTMLElement, counts: readonly TableRows[]): void {
  const table = document.createElement("table");
  table.dataset.testid = "row-counts";
  table.createCaption().textContent = "Rows per table in the local store";
  const head = table.createTHead().insertRow();
  for (const label of ["Table", "Rows"]) {
    const cell = document.createElement("th");
    cell.scope = "col";
    cell.textContent = label;
    head.append(cell);
  }
  const body = table.createTBody();
  for (const { table: name, rows } of counts) {
    const row = body.insertRow();
    const nameCell = document.createElement("th");
    nameCell.scope = "row";
    nameCell.textContent = name;
    const rowsCell = row.insertCell();
    rowsCell.textContent = formatRows(rows);
    row.prepend(nameCell);
  }
  root.replaceChildren(heading(), table);
}

export function renderError(root: HTMLElement, error: unknown): void {
  const text =
    error instanceof ApiError
      ? `Could not load row counts: ${error.message} (${error.code})`
      : `Could not load row counts: ${String(error)}`;
  const alert = paragraph(text);
  alert.setAttribute("role", "alert");
  alert.dataset.testid = "load-error";
  root.replaceChildren(heading(), alert);
}

function heading(): HTMLElement {
  const h1 = document.createElement("h1");
  h1.textContent = "Vrooli";
  return h1;
}

function paragraph(text: string): HTMLParagraphElement {
  const p = document.createElement("p");
  p.textContent = text;
  return p;
}
