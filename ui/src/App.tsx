/**
 * The window: a navigation rail (Chats, Resources, Runs, Teams, Account, Settings, Search on
 * Ctrl+K, and the sync status, always visible) and the current screen. It starts listening for
 * "documents changed" and the sync status, and applies the theme.
 */
import { createSignal, type JSX, Match, onCleanup, onMount, Switch } from "solid-js";

import { api } from "./api";
import { applyChanges } from "./state/changes";
import { navigate, route, type Screen } from "./state/router";
import { applySyncState } from "./state/sync";
import { applyTheme } from "./state/theme";
import { SyncIndicator } from "./components/SyncIndicator";
import { AccountScreen } from "./screens/Account";
import { Chats } from "./screens/Chats";
import { Resources } from "./screens/Resources";
import { Runs } from "./screens/Runs";
import { SearchDialog } from "./screens/Search";
import { SettingsScreen } from "./screens/Settings";
import { TeamsScreen } from "./screens/Teams";

const SCREENS: { screen: Screen; label: string }[] = [
  { screen: "chats", label: "Chats" },
  { screen: "resources", label: "Resources" },
  { screen: "runs", label: "Runs" },
  { screen: "teams", label: "Teams" },
  { screen: "account", label: "Account" },
  { screen: "settings", label: "Settings" },
];

/** Ctrl+K (⌘K on a Mac keyboard) opens search from anywhere. */
export function isSearchShortcut(event: Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey" | "altKey">): boolean {
  return (event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "k";
}

export function App(): JSX.Element {
  const [searching, setSearching] = createSignal(false);

  onMount(() => {
    const stop = api.onDocumentsChanged(applyChanges);
    onCleanup(() => void stop.then((unlisten) => unlisten()).catch(() => undefined));
    // Listen first, then ask: a status sent in between is then never lost.
    const stopSync = api.onSyncStatus(applySyncState);
    onCleanup(() => void stopSync.then((unlisten) => unlisten()).catch(() => undefined));
    void stopSync
      .then(() => api.getSyncStatus())
      .then(applySyncState)
      .catch(() => undefined);
    api.getSettings().then(
      (settings) => applyTheme(settings.theme),
      () => applyTheme("system"),
    );
    const onKey = (event: KeyboardEvent) => {
      if (isSearchShortcut(event)) {
        event.preventDefault();
        setSearching(true);
      }
    };
    window.addEventListener("keydown", onKey);
    onCleanup(() => window.removeEventListener("keydown", onKey));
  });

  return (
    <div class="app">
      <nav class="rail" aria-label="Screens">
        <span class="brand">Vrooli</span>
        <SyncIndicator />
        {SCREENS.map(({ screen, label }) => (
          <button
            type="button"
            class="rail-item"
            aria-current={route().screen === screen ? "page" : undefined}
            data-testid={`nav-${screen}`}
            onClick={() => navigate({ screen } as never)}
          >
            {label}
          </button>
        ))}
        <button
          type="button"
          class="rail-item search-button"
          data-testid="open-search"
          aria-keyshortcuts="Control+K"
          onClick={() => setSearching(true)}
        >
          Search <kbd>Ctrl K</kbd>
        </button>
      </nav>
      <main class="screen">
        <Switch>
          <Match when={route().screen === "chats"}>
            <Chats />
          </Match>
          <Match when={route().screen === "resources"}>
            <Resources />
          </Match>
          <Match when={route().screen === "runs"}>
            <Runs />
          </Match>
          <Match when={route().screen === "teams"}>
            <TeamsScreen />
          </Match>
          <Match when={route().screen === "account"}>
            <AccountScreen />
          </Match>
          <Match when={route().screen === "settings"}>
            <SettingsScreen />
          </Match>
        </Switch>
      </main>
      <SearchDialog open={searching()} onClose={() => setSearching(false)} />
    </div>
  );
}
