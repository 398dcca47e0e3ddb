/** The sync status, always visible in the navigation rail; it opens the Account screen. */
import type { JSX } from "solid-js";

import { navigate } from "../state/router";
import { syncLabel, syncState } from "../state/sync";

export function SyncIndicator(): JSX.Element {
  const label = () => syncLabel(syncState());
  return (
    <button
      type="button"
      class={`sync-indicator tone-${label().tone}`}
      data-testid="sync-status"
      data-state={syncState().state}
      title={label().detail}
      aria-label={label().detail}
      onClick={() => navigate({ screen: "account" })}
    >
      <span class="sync-dot" aria-hidden="true" />
      <span data-testid="sync-status-text">{label().text}</span>
    </button>
  );
}
