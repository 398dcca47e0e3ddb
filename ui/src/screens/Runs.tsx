/** Runs: the list filtered by status beside the open run. */
import { createResource, createSignal, ErrorBoundary, For, type JSX, Match, Show, Switch } from "solid-js";

import { api, fieldError, RUN_STATES, type RunState } from "../api";
import { Empty, ErrorNote, FieldError, Loading } from "../components/Status";
import { revision } from "../state/changes";
import { loaded } from "../state/loaded";
import { formatTime } from "../state/format";
import { navigate, route } from "../state/router";
import { statusLabel } from "../state/runs";
import { RunView } from "./RunView";

export function Runs(): JSX.Element {
  const [status, setStatus] = createSignal<RunState | null>(null);
  const [runs] = createResource(
    () => ({ status: status(), revision: revision("run") }),
    ({ status }) => api.listRuns(status),
  );
  const open = () => {
    const r = route();
    return r.screen === "runs" ? r.runId : undefined;
  };
  return (
    <div class="split">
      <section class="pane list-pane" aria-labelledby="runs-heading">
        <h1 id="runs-heading">Runs</h1>
        <NewRun />
        <label class="filter">
          Status
          <select
            data-testid="run-status-filter"
            value={status() ?? ""}
            onChange={(e) => setStatus((e.currentTarget.value || null) as RunState | null)}
          >
            <option value="">All statuses</option>
            <For each={RUN_STATES}>{(s) => <option value={s}>{statusLabel(s)}</option>}</For>
          </select>
        </label>
        <Switch>
          <Match when={runs.error as unknown}>
            <ErrorNote error={runs.error} prefix="Could not load runs" />
          </Match>
          <Match when={loaded(runs) === undefined}>
            <Loading what="runs" />
          </Match>
          <Match when={loaded(runs)?.length === 0}>
            <Empty testid="no-runs">{status() ? "No runs in this status." : "No runs yet."}</Empty>
          </Match>
          <Match when={loaded(runs)}>
            {(list) => (
              <ul class="item-list" data-testid="run-list">
                <For each={list()}>
                  {(run) => (
                    <li>
                      <button
                        type="button"
                        class="item"
                        aria-current={open() === run.id ? "true" : undefined}
                        data-testid="run-item"
                        data-run-id={run.id}
                        onClick={() => navigate({ screen: "runs", runId: run.id })}
                      >
                        <span class="item-title">{run.name}</span>
                        <span class={`badge status-${run.status}`}>{statusLabel(run.status)}</span>
                        <span class="item-meta">{formatTime(run.createdAt)}</span>
                      </button>
                    </li>
                  )}
                </For>
              </ul>
            )}
          </Match>
        </Switch>
      </section>
      <section class="pane detail-pane" aria-label="Run">
        <Show when={open()} keyed fallback={<Empty testid="no-run-open">Pick a run, or create one.</Empty>}>
          {(runId) => (
            <ErrorBoundary fallback={(error) => <ErrorNote error={error} />}>
              <RunView runId={runId} />
            </ErrorBoundary>
          )}
        </Show>
      </section>
    </div>
  );
}

function NewRun(): JSX.Element {
  const [name, setName] = createSignal("");
  const [error, setError] = createSignal<unknown>(null);
  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    try {
      const runId = await api.createRun(name().trim());
      setName("");
      setError(null);
      navigate({ screen: "runs", runId });
    } catch (e) {
      setError(e);
    }
  };
  const nameError = () => fieldError(error(), "name");
  return (
    <form class="inline-form" onSubmit={submit} data-testid="new-run">
      <label for="new-run-name">New run</label>
      <input
        id="new-run-name"
        data-testid="new-run-name"
        placeholder="Name"
        value={name()}
        onInput={(e) => setName(e.currentTarget.value)}
        aria-invalid={nameError() ? "true" : undefined}
        aria-describedby="new-run-name-error"
      />
      <button type="submit" data-testid="create-run">
        Create
      </button>
      <FieldError id="new-run-name-error" message={nameError()} />
      <Show when={error() && !nameError()}>
        <ErrorNote error={error()} testid="create-run-error" />
      </Show>
    </form>
  );
}
