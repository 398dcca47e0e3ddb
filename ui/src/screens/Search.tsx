/**
 * Search (Ctrl+K): full-text over messages and names as you type, matched words highlighted;
 * arrows move through the hits, Enter opens the selected one, Escape closes.
 */
import { createEffect, createResource, createSignal, For, type JSX, Match, on, onCleanup, Switch } from "solid-js";

import { api, type Hit } from "../api";
import { loaded } from "../state/loaded";
import { Empty, ErrorNote, Loading } from "../components/Status";
import { navigate } from "../state/router";
import { kindLabel, moveSelection, routeFor } from "../state/search";

/** How long typing must pause before a query runs. */
const DEBOUNCE_MS = 120;

export function SearchDialog(props: { open: boolean; onClose: () => void }): JSX.Element {
  let dialog: HTMLDialogElement | undefined;
  let input: HTMLInputElement | undefined;
  const [text, setText] = createSignal("");
  const [query, setQuery] = createSignal("");
  const [selected, setSelected] = createSignal(-1);

  createEffect(
    on(text, (value) => {
      const timer = setTimeout(() => setQuery(value.trim()), DEBOUNCE_MS);
      onCleanup(() => clearTimeout(timer));
    }),
  );
  const [hits] = createResource(
    () => query() || false,
    (q): Promise<Hit[]> => api.search(q, 20),
  );
  createEffect(on(() => loaded(hits), (list) => setSelected(list && list.length > 0 ? 0 : -1)));

  createEffect(() => {
    if (!dialog) return;
    if (props.open && !dialog.open) {
      dialog.showModal();
      input?.select();
    } else if (!props.open && dialog.open) {
      dialog.close();
    }
  });

  const openHit = (hit: Hit | undefined) => {
    const next = hit && routeFor(hit);
    if (!next) return;
    props.onClose();
    navigate(next);
  };

  const onKeyDown = (event: KeyboardEvent) => {
    const list = loaded(hits) ?? [];
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      setSelected((i) => moveSelection(i, event.key === "ArrowDown" ? 1 : -1, list.length));
    } else if (event.key === "Enter") {
      event.preventDefault();
      openHit(list[selected()]);
    }
  };

  return (
    <dialog
      ref={dialog}
      class="search-dialog"
      aria-label="Search"
      data-testid="search-dialog"
      onClose={() => props.onClose()}
      onCancel={() => props.onClose()}
    >
      <input
        ref={input}
        type="search"
        class="search-input"
        data-testid="search-input"
        placeholder="Search messages and names"
        aria-label="Search messages and names"
        aria-controls="search-results"
        aria-activedescendant={selected() >= 0 ? `search-hit-${selected()}` : undefined}
        value={text()}
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={onKeyDown}
      />
      <Switch>
        <Match when={!query()}>
          <p class="hint">Type to search. ↑ ↓ to choose, Enter to open, Esc to close.</p>
        </Match>
        <Match when={hits.error as unknown}>
          <ErrorNote error={hits.error} testid="search-error" />
        </Match>
        <Match when={loaded(hits) === undefined}>
          <Loading what="results" />
        </Match>
        <Match when={loaded(hits)?.length === 0}>
          <Empty testid="no-hits">Nothing matches “{query()}”.</Empty>
        </Match>
        <Match when={loaded(hits)}>
          {(list) => (
            <ul id="search-results" class="hits" role="listbox" aria-label="Results" data-testid="search-results">
              <For each={list()}>
                {(hit, index) => (
                  <li
                    id={`search-hit-${index()}`}
                    role="option"
                    class="hit"
                    classList={{ disabled: routeFor(hit) === null }}
                    aria-selected={selected() === index()}
                    data-testid="search-hit"
                    data-kind={hit.kind}
                    onMouseEnter={() => setSelected(index())}
                    onClick={() => openHit(hit)}
                  >
                    <span class="badge neutral">{kindLabel(hit.kind)}</span>{" "}
                    <For each={hit.snippet}>
                      {(part) => (part.matched ? <mark>{part.text}</mark> : <>{part.text}</>)}
                    </For>
                  </li>
                )}
              </For>
            </ul>
          )}
        </Match>
      </Switch>
    </dialog>
  );
}
