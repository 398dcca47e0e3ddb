/** Resources: the list with a type filter beside the open resource. */
import { createResource, createSignal, ErrorBoundary, For, type JSX, Match, Show, Switch } from "solid-js";

import { api, fieldError } from "../api";
import { Empty, ErrorNote, FieldError, Loading } from "../components/Status";
import { revision } from "../state/changes";
import { loaded } from "../state/loaded";
import { pickName } from "../state/format";
import { UI_LANGUAGE } from "../state/language";
import { resourceTypes } from "../state/resources";
import { navigate, route } from "../state/router";
import { ResourceView } from "./ResourceView";

export function Resources(): JSX.Element {
  const [typeFilter, setTypeFilter] = createSignal<string | null>(null);
  const [all] = createResource(() => revision("resource"), () => api.listResources(null));
  const [shown] = createResource(
    () => ({ type: typeFilter(), revision: revision("resource") }),
    ({ type }) => api.listResources(type),
  );
  const open = () => {
    const r = route();
    return r.screen === "resources" ? r.resourceId : undefined;
  };
  return (
    <div class="split">
      <section class="pane list-pane" aria-labelledby="resources-heading">
        <h1 id="resources-heading">Resources</h1>
        <NewResource />
        <label class="filter">
          Type
          <select
            data-testid="resource-type-filter"
            value={typeFilter() ?? ""}
            onChange={(e) => setTypeFilter(e.currentTarget.value || null)}
          >
            <option value="">All types</option>
            <For each={resourceTypes(loaded(all) ?? [])}>{(type) => <option value={type}>{type}</option>}</For>
          </select>
        </label>
        <Switch>
          <Match when={shown.error as unknown}>
            <ErrorNote error={shown.error} prefix="Could not load resources" />
          </Match>
          <Match when={loaded(shown) === undefined}>
            <Loading what="resources" />
          </Match>
          <Match when={loaded(shown)?.length === 0}>
            <Empty testid="no-resources">{typeFilter() ? "No resources of this type." : "No resources yet."}</Empty>
          </Match>
          <Match when={loaded(shown)}>
            {(resources) => (
              <ul class="item-list" data-testid="resource-list">
                <For each={resources()}>
                  {(resource) => (
                    <li>
                      <button
                        type="button"
                        class="item"
                        aria-current={open() === resource.id ? "true" : undefined}
                        data-testid="resource-item"
                        data-resource-id={resource.id}
                        onClick={() => navigate({ screen: "resources", resourceId: resource.id })}
                      >
                        <span class="item-title">{pickName(resource.names)}</span>
                        <span class="badge neutral">{resource.resourceType}</span>
                        <span class="item-meta">
                          {resource.latestLabel ?? "—"} · {resource.versions} version(s)
                        </span>
                      </button>
                    </li>
                  )}
                </For>
              </ul>
            )}
          </Match>
        </Switch>
      </section>
      <section class="pane detail-pane" aria-label="Resource">
        <Show when={open()} keyed fallback={<Empty testid="no-resource-open">Pick a resource, or create one.</Empty>}>
          {(resourceId) => (
            <ErrorBoundary fallback={(error) => <ErrorNote error={error} />}>
              <ResourceView resourceId={resourceId} />
            </ErrorBoundary>
          )}
        </Show>
      </section>
    </div>
  );
}

function NewResource(): JSX.Element {
  const [type, setType] = createSignal("Routine");
  const [name, setName] = createSignal("");
  const [error, setError] = createSignal<unknown>(null);
  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    try {
      const resourceId = await api.createResource(type().trim(), name().trim(), UI_LANGUAGE);
      setName("");
      setError(null);
      navigate({ screen: "resources", resourceId });
    } catch (e) {
      setError(e);
    }
  };
  const typeError = () => fieldError(error(), "resourceType");
  const nameError = () => fieldError(error(), "name");
  return (
    <form class="stack-form" onSubmit={submit} data-testid="new-resource">
      <fieldset>
        <legend>New resource</legend>
        <label for="new-resource-type">Type</label>
        <input
          id="new-resource-type"
          data-testid="new-resource-type"
          list="resource-type-suggestions"
          value={type()}
          onInput={(e) => setType(e.currentTarget.value)}
          aria-invalid={typeError() ? "true" : undefined}
          aria-describedby="new-resource-type-error"
        />
        <datalist id="resource-type-suggestions">
          <For each={["Routine", "Project", "Note", "Standard", "Code", "Api", "Prompt"]}>
            {(t) => <option value={t} />}
          </For>
        </datalist>
        <FieldError id="new-resource-type-error" message={typeError()} />
        <label for="new-resource-name">Name</label>
        <input
          id="new-resource-name"
          data-testid="new-resource-name"
          value={name()}
          onInput={(e) => setName(e.currentTarget.value)}
          aria-invalid={nameError() ? "true" : undefined}
          aria-describedby="new-resource-name-error"
        />
        <FieldError id="new-resource-name-error" message={nameError()} />
        <button type="submit" data-testid="create-resource">
          Create
        </button>
        <Show when={error() && !typeError() && !nameError()}>
          <ErrorNote error={error()} testid="create-resource-error" />
        </Show>
      </fieldset>
    </form>
  );
}
