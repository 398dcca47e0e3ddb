/** Settings: where the data lives, the theme, and how many rows each table of the store holds. */
import { createResource, For, type JSX, Match, Switch } from "solid-js";

import { api, type Theme } from "../api";
import { ErrorNote, Loading } from "../components/Status";
import { formatCount } from "../state/format";
import { applyTheme, theme } from "../state/theme";

const THEMES: { value: Theme; label: string }[] = [
  { value: "light", label: "Light" },
  { value: "dark", label: "Dark" },
  { value: "system", label: "Same as the system" },
];

export function SettingsScreen(): JSX.Element {
  const [settings] = createResource(() => api.getSettings());
  const [counts] = createResource(() => api.rowCounts());
  const choose = async (next: Theme) => {
    const before = theme();
    applyTheme(next);
    try {
      await api.setTheme(next);
    } catch {
      applyTheme(before);
    }
  };
  return (
    <section class="pane settings" aria-labelledby="settings-heading">
      <h1 id="settings-heading">Settings</h1>
      <h2>Data directory</h2>
      <Switch>
        <Match when={settings.error as unknown}>
          <ErrorNote error={settings.error} prefix="Could not load settings" />
        </Match>
        <Match when={settings()}>
          {(loaded) => (
            <p>
              <code data-testid="data-dir">{loaded().dataDir}</code>
            </p>
          )}
        </Match>
        <Match when={settings.loading}>
          <Loading what="settings" />
        </Match>
      </Switch>
      <fieldset class="theme" data-testid="theme">
        <legend>Theme</legend>
        <For each={THEMES}>
          {(option) => (
            <label>
              <input
                type="radio"
                name="theme"
                value={option.value}
                checked={theme() === option.value}
                data-testid={`theme-${option.value}`}
                onChange={() => void choose(option.value)}
              />
              {option.label}
            </label>
          )}
        </For>
      </fieldset>
      <h2>Store</h2>
      <Switch>
        <Match when={counts.error as unknown}>
          <ErrorNote error={counts.error} prefix="Could not load row counts" />
        </Match>
        <Match when={counts.loading}>
          <Loading what="row counts" />
        </Match>
        <Match when={counts()}>
          {(rows) => (
            <table data-testid="row-counts">
              <caption>Rows per table in the local store</caption>
              <thead>
                <tr>
                  <th scope="col">Table</th>
                  <th scope="col">Rows</th>
                </tr>
              </thead>
              <tbody>
                <For each={rows()}>
                  {(row) => (
                    <tr>
                      <th scope="row">{row.table}</th>
                      <td>{formatCount(row.rows)}</td>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
          )}
        </Match>
      </Switch>
    </section>
  );
}
