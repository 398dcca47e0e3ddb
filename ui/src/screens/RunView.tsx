/**
 * One run: its status with only the legal moves offered, its steps as a timeline, its
 * inputs/outputs, and forms to record a step or an input/output.
 */
import { createResource, createSignal, For, type JSX, Match, Show, Switch } from "solid-js";

import { api, fieldError, type RunDetail, type RunState } from "../api";
import { Empty, ErrorNote, FieldError, Loading } from "../components/Status";
import { revision } from "../state/changes";
import { loaded } from "../state/loaded";
import { formatDuration, formatTime } from "../state/format";
import { isJson, statusLabel, transitionLabel } from "../state/runs";

export function RunView(props: { runId: string }): JSX.Element {
  const [detail] = createResource(
    () => ({ id: props.runId, revision: revision("run", props.runId) }),
    ({ id }) => api.getRun(id),
  );
  return (
    <Switch>
      <Match when={detail.error as unknown}>
        <ErrorNote error={detail.error} prefix="Could not load the run" />
      </Match>
      <Match when={loaded(detail) === undefined}>
        <Loading what="run" />
      </Match>
      <Match when={loaded(detail)}>
        {(data) => (
          <div class="run" data-testid="run-detail" data-run-id={data().run.id}>
            <h2>{data().run.name}</h2>
            <Status detail={data()} />
            <dl class="run-times">
              <dt>Created</dt>
              <dd>{formatTime(data().run.createdAt)}</dd>
              <dt>Started</dt>
              <dd data-testid="run-started">{formatTime(data().run.startedAt)}</dd>
              <dt>Ended</dt>
              <dd data-testid="run-completed">{formatTime(data().run.completedAt)}</dd>
              <dt>Elapsed</dt>
              <dd>{formatDuration(data().run.timeElapsed)}</dd>
            </dl>
            <h3>Timeline</h3>
            <Show when={data().steps.length > 0} fallback={<Empty testid="no-steps">No steps yet.</Empty>}>
              <ol class="timeline" data-testid="timeline">
                <For each={data().steps}>
                  {(step) => (
                    <li data-testid="step">
                      <span class="timeline-dot" aria-hidden="true" />
                      <strong>{step.name}</strong> <span class="badge neutral">{step.status}</span>
                      <div class="item-meta">
                        started {formatTime(step.startedAt)}
                        <Show when={step.completedAt}> · ended {formatTime(step.completedAt)}</Show>
                      </div>
                    </li>
                  )}
                </For>
              </ol>
            </Show>
            <AddStep runId={data().run.id} />
            <h3>Inputs and outputs</h3>
            <Show when={data().io.length > 0} fallback={<Empty testid="no-io">None recorded.</Empty>}>
              <table data-testid="io">
                <thead>
                  <tr>
                    <th scope="col">Node</th>
                    <th scope="col">Name</th>
                    <th scope="col">Value</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={data().io}>
                    {(io) => (
                      <tr>
                        <td>{io.nodeName}</td>
                        <td>{io.inputName}</td>
                        <td>
                          <code>{io.data}</code>
                        </td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </Show>
            <AddIo runId={data().run.id} />
          </div>
        )}
      </Match>
    </Switch>
  );
}

function Status(props: { detail: RunDetail }): JSX.Element {
  const [error, setError] = createSignal<unknown>(null);
  const [busy, setBusy] = createSignal(false);
  const move = async (to: RunState) => {
    setBusy(true);
    try {
      await api.setRunStatus(props.detail.run.id, to);
      setError(null);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="run-status">
      <p>
        Status:{" "}
        <span class={`badge status-${props.detail.run.status}`} data-testid="run-status" data-status={props.detail.run.status}>
          {statusLabel(props.detail.run.status)}
        </span>
      </p>
      <div class="actions" role="group" aria-label="Move the run to">
        <For each={props.detail.allowed} fallback={<span class="empty">This run has ended.</span>}>
          {(to) => (
            <button
              type="button"
              disabled={busy()}
              data-testid={`transition-${to}`}
              onClick={() => void move(to)}
            >
              {transitionLabel(props.detail.run.status, to)}
            </button>
          )}
        </For>
      </div>
      <FieldError id="run-status-error" message={error() ? (fieldError(error(), "status") ?? String((error() as Error).message)) : undefined} />
    </div>
  );
}

function AddStep(props: { runId: string }): JSX.Element {
  const [name, setName] = createSignal("");
  const [error, setError] = createSignal<unknown>(null);
  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    try {
      await api.addRunStep(props.runId, name().trim(), crypto.randomUUID());
      setName("");
      setError(null);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <form class="inline-form" onSubmit={submit} data-testid="add-step">
      <label for="step-name">Step</label>
      <input id="step-name" data-testid="step-name" value={name()} onInput={(e) => setName(e.currentTarget.value)} aria-describedby="step-name-error" />
      <button type="submit" data-testid="add-step-submit">
        Record step
      </button>
      <FieldError id="step-name-error" message={error() ? (fieldError(error(), "name") ?? String((error() as Error).message)) : undefined} />
    </form>
  );
}

function AddIo(props: { runId: string }): JSX.Element {
  const [node, setNode] = createSignal("");
  const [input, setInput] = createSignal("");
  const [data, setData] = createSignal("");
  const [error, setError] = createSignal<unknown>(null);
  const [dataError, setDataError] = createSignal<string | undefined>();
  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    if (!isJson(data())) {
      setDataError("The value must be JSON, e.g. 42, \"text\" or {\"a\": 1}.");
      return;
    }
    setDataError(undefined);
    try {
      await api.addRunIo(props.runId, node().trim(), input().trim(), data());
      setData("");
      setError(null);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <form class="stack-form" onSubmit={submit} data-testid="add-io">
      <fieldset>
        <legend>Record an input or output</legend>
        <label for="io-node">Node</label>
        <input id="io-node" value={node()} onInput={(e) => setNode(e.currentTarget.value)} aria-describedby="io-node-error" />
        <FieldError id="io-node-error" message={fieldError(error(), "nodeName")} />
        <label for="io-input">Name</label>
        <input id="io-input" value={input()} onInput={(e) => setInput(e.currentTarget.value)} aria-describedby="io-input-error" />
        <FieldError id="io-input-error" message={fieldError(error(), "nodeInputName")} />
        <label for="io-data">Value (JSON)</label>
        <input id="io-data" value={data()} onInput={(e) => setData(e.currentTarget.value)} aria-describedby="io-data-error" />
        <FieldError id="io-data-error" message={dataError() ?? fieldError(error(), "data")} />
        <button type="submit">Record</button>
        <Show when={error() && !fieldError(error(), "nodeName") && !fieldError(error(), "nodeInputName") && !fieldError(error(), "data")}>
          <ErrorNote error={error()} testid="add-io-error" />
        </Show>
      </fieldset>
    </form>
  );
}
