import "./style.css";
import { api } from "./api";
import { renderError, renderLoading, renderRowCounts } from "./rowCounts";

const root = document.querySelector<HTMLElement>("#app");
if (root) {
  renderLoading(root);
  api.rowCounts().then(
    (counts) => renderRowCounts(root, counts),
    (error: unknown) => renderError(root, error),
  );
}
