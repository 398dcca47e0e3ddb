/**
 * One resource: its versions (label, complete, private, notes; the latest marked), a form to
 * add one, the selected version's names per language, the tags, and the history of the
 * resource's document with time travel (the selected version as it was at any change).
 */
import { createMemo, createResource, createSignal, For, type JSX, Match, Show, Switch } from "solid-js";

import { api, fieldError, type ResourceDetail, type VersionView } from "../api";
import { Empty, ErrorNote, FieldError, Loading } from "../components/Status";
import { revision } from "../state/changes";
import { loaded } from "../state/loaded";
import { formatTime, pickName } from "../state/format";
import { UI_LANGUAGE } from "../state/language";
import { versionAt } from "../state/resources";
import { route } from "../state/router";

export function ResourceView(props: { resourceId: string }): JSX.Element {
  const [detail] = createResource(
    () => ({ id: props.resourceId, revision: revision("resource", props.resourceId) }),
    ({ id }) => api.getResource(id),
  );
  const initialVersion = () => {
    const r = route();
    return r.screen === "resources" ? r.versionId : undefined;
  };
  const [picked, setPicked] = createSignal<string | undefined>(initialVersion());
  const selected = createMemo(() => {
    const versions = loaded(detail)?.versions ?? [];
    return versions.find((v) => v.id === picked()) ?? versions.find((v) => v.latest) ?? versions[0];
  });

  return (
    <Switch>
      <Match when={detail.error as unknown}>
        <ErrorNote error={detail.error} prefix="Could not load the resource" />
      </Match>
      <Match when={loaded(detail) === undefined}>
        <Loading what="resource" />
      </Match>
      <Match when={loaded(detail)}>
        {(resource) => (
          <div class="resource" data-testid="resource-detail" data-resource-id={resource().id}>
            <h2 data-testid="resource-title">{pickName(selected()?.names ?? [])}</h2>
            <p class="item-meta">
              {resource().resourceType} · created {formatTime(resource().createdAt)}
              {resource().hasCompleteVersion ? " · has a complete version" : ""}
            </p>
            <Tags resource={resource()} />
            <h3>Versions</h3>
            <VersionTable versions={resource().versions} selected={selected()?.id} onSelect={setPicked} />
            <AddVersion resourceId={resource().id} />
            <Show when={selected()}>
              {(version) => (
                <>
                  <Names version={version()} />
                  <Notes version={version()} />
                  <History resource={resource()} version={version()} />
                </>
              )}
            </Show>
          </div>
        )}
      </Match>
    </Switch>
  );
}

function VersionTable(props: {
  versions: VersionView[];
  selected: string | undefined;
  onSelect: (id: string) => void;
}): JSX.Element {
  return (
    <table class="versions" data-testid="versions">
      <thead>
        <tr>
          <th scope="col">Label</th>
          <th scope="col">Complete</th>
          <th scope="col">Private</th>
          <th scope="col">Notes</th>
          <th scope="col">
            <span class="visually-hidden">Latest</span>
          </th>
        </tr>
      </thead>
      <tbody>
        <For each={props.versions}>
          {(version) => (
            <tr
              data-testid="version-row"
              data-version-id={version.id}
              data-latest={version.latest ? "true" : "false"}
              classList={{ selected: props.selected === version.id, deleted: version.deleted }}
            >
              <th scope="row">
                <button
                  type="button"
                  class="link"
                  data-testid="version-label"
                  aria-pressed={props.selected === version.id}
                  onClick={() => props.onSelect(version.id)}
                >
                  {version.label}
                </button>
              </th>
              <td>{version.complete ? "Yes" : "No"}</td>
              <td>{version.private ? "Yes" : "No"}</td>
              <td class="notes-cell">{version.notes ?? ""}</td>
              <td>
                <Show when={version.latest}>
                  <span class="badge" data-testid="latest-badge">
                    Latest
                  </span>
                </Show>
              </td>
            </tr>
          )}
        </For>
      </tbody>
    </table>
  );
}

function AddVersion(props: { resourceId: string }): JSX.Element {
  const [label, setLabel] = createSignal("");
  const [complete, setComplete] = createSignal(false);
  const [isPrivate, setPrivate] = createSignal(false);
  const [notes, setNotes] = createSignal("");
  const [error, setError] = createSignal<unknown>(null);
  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    try {
      await api.addVersion(props.resourceId, {
        label: label().trim(),
        complete: complete(),
        private: isPrivate(),
        notes: notes().trim() || null,
      });
      setLabel("");
      setNotes("");
      setComplete(false);
      setPrivate(false);
      setError(null);
    } catch (e) {
      setError(e);
    }
  };
  const labelError = () => fieldError(error(), "versionLabel");
  const notesError = () => fieldError(error(), "versionNotes");
  return (
    <form class="stack-form" onSubmit={submit} data-testid="add-version">
      <fieldset>
        <legend>Add a version</legend>
        <label for="version-label">Label</label>
        <input
          id="version-label"
          data-testid="version-label-input"
          placeholder="1.1.0"
          value={label()}
          onInput={(e) => setLabel(e.currentTarget.value)}
          aria-invalid={labelError() ? "true" : undefined}
          aria-describedby="version-label-error"
        />
        <FieldError id="version-label-error" message={labelError()} />
        <label class="check">
          <input type="checkbox" checked={complete()} onChange={(e) => setComplete(e.currentTarget.checked)} />
          Complete
        </label>
        <label class="check">
          <input type="checkbox" checked={isPrivate()} onChange={(e) => setPrivate(e.currentTarget.checked)} />
          Private
        </label>
        <label for="version-notes">Notes</label>
        <textarea
          id="version-notes"
          data-testid="version-notes-input"
          value={notes()}
          onInput={(e) => setNotes(e.currentTarget.value)}
          aria-describedby="version-notes-error"
        />
        <FieldError id="version-notes-error" message={notesError()} />
        <button type="submit" data-testid="add-version-submit">
          Add version
        </button>
        <Show when={error() && !labelError() && !notesError()}>
          <ErrorNote error={error()} testid="add-version-error" />
        </Show>
      </fieldset>
    </form>
  );
}

function Names(props: { version: VersionView }): JSX.Element {
  const [language, setLanguage] = createSignal(UI_LANGUAGE);
  const [name, setName] = createSignal("");
  const [description, setDescription] = createSignal("");
  const [error, setError] = createSignal<unknown>(null);
  const edit = (lang: string) => {
    const current = props.version.names.find((n) => n.language === lang);
    setLanguage(lang);
    setName(current?.name ?? "");
    setDescription(current?.description ?? "");
  };
  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    try {
      await api.setVersionName(props.version.id, language().trim(), name().trim(), description().trim() || null);
      setError(null);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section aria-labelledby="names-heading" data-testid="names">
      <h3 id="names-heading">Names of {props.version.label}</h3>
      <Show when={props.version.names.length > 0} fallback={<Empty>No names yet.</Empty>}>
        <dl class="names">
          <For each={props.version.names}>
            {(n) => (
              <>
                <dt>
                  <button type="button" class="link" onClick={() => edit(n.language)}>
                    {n.language}
                  </button>
                </dt>
                <dd>
                  <strong>{n.name}</strong>
                  <Show when={n.description}>
                    <span> — {n.description}</span>
                  </Show>
                </dd>
              </>
            )}
          </For>
        </dl>
      </Show>
      <form class="stack-form" onSubmit={submit}>
        <fieldset>
          <legend>Name in a language</legend>
          <label for="name-language">Language</label>
          <input id="name-language" value={language()} onInput={(e) => setLanguage(e.currentTarget.value)} aria-describedby="name-language-error" />
          <FieldError id="name-language-error" message={fieldError(error(), "language")} />
          <label for="name-name">Name</label>
          <input id="name-name" value={name()} onInput={(e) => setName(e.currentTarget.value)} aria-describedby="name-name-error" />
          <FieldError id="name-name-error" message={fieldError(error(), "name")} />
          <label for="name-description">Description</label>
          <textarea
            id="name-description"
            value={description()}
            onInput={(e) => setDescription(e.currentTarget.value)}
            aria-describedby="name-description-error"
          />
          <FieldError id="name-description-error" message={fieldError(error(), "description")} />
          <button type="submit">Save name</button>
        </fieldset>
      </form>
    </section>
  );
}

function Notes(props: { version: VersionView }): JSX.Element {
  const [notes, setNotes] = createSignal(props.version.notes ?? "");
  const [error, setError] = createSignal<unknown>(null);
  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    try {
      await api.setVersionNotes(props.version.id, notes().trim() || null);
      setError(null);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <form class="stack-form" onSubmit={submit}>
      <fieldset>
        <legend>Notes of {props.version.label}</legend>
        <textarea aria-label="Version notes" value={notes()} onInput={(e) => setNotes(e.currentTarget.value)} aria-describedby="notes-error" />
        <FieldError id="notes-error" message={fieldError(error(), "versionNotes")} />
        <button type="submit">Save notes</button>
      </fieldset>
    </form>
  );
}

function Tags(props: { resource: ResourceDetail }): JSX.Element {
  const [tag, setTag] = createSignal("");
  const [error, setError] = createSignal<unknown>(null);
  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    try {
      await api.tagResource(props.resource.id, tag().trim());
      setTag("");
      setError(null);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div class="tags" data-testid="tags">
      <For each={props.resource.tags} fallback={<span class="empty">No tags.</span>}>
        {(t) => <span class="tag">{t}</span>}
      </For>
      <form class="inline-form" onSubmit={submit}>
        <input aria-label="New tag" placeholder="Add a tag" value={tag()} onInput={(e) => setTag(e.currentTarget.value)} aria-describedby="tag-error" />
        <button type="submit">Tag</button>
        <FieldError id="tag-error" message={error() ? (fieldError(error(), "tagTag") ?? String((error() as Error).message)) : undefined} />
      </form>
    </div>
  );
}

function History(props: { resource: ResourceDetail; version: VersionView }): JSX.Element {
  const [history] = createResource(
    () => ({ docId: props.resource.docId, revision: revision("resource", props.resource.id) }),
    ({ docId }) => api.documentHistory(docId),
  );
  const [at, setAt] = createSignal<string | null>(null);
  const [snapshot] = createResource(
    () => {
      const hash = at();
      return hash ? { docId: props.resource.docId, hash, versionId: props.version.id } : false;
    },
    async ({ docId, hash, versionId }) => versionAt(await api.documentAt(docId, hash), versionId),
  );
  return (
    <section class="history" aria-labelledby="history-heading" data-testid="history">
      <h3 id="history-heading">History</h3>
      <Switch>
        <Match when={history.error as unknown}>
          <ErrorNote error={history.error} prefix="Could not load the history" />
        </Match>
        <Match when={loaded(history) === undefined}>
          <Loading what="history" />
        </Match>
        <Match when={loaded(history)}>
          {(data) => (
            <ol class="changes" reversed>
              <For each={[...data().changes].reverse()}>
                {(change) => (
                  <li>
                    <button
                      type="button"
                      class="link"
                      aria-pressed={at() === change.hash}
                      data-testid="history-change"
                      onClick={() => setAt(change.hash)}
                    >
                      {change.device === "genesis"
                        ? "The document's common start"
                        : `${formatTime(change.time)} — ${change.message}`}
                    </button>
                  </li>
                )}
              </For>
            </ol>
          )}
        </Match>
      </Switch>
      <Show when={at()}>
        <div class="snapshot" data-testid="snapshot">
          <p>
            Version {props.version.label} as it was after this change{" "}
            <button type="button" class="link" onClick={() => setAt(null)}>
              Back to now
            </button>
          </p>
          <Switch>
            <Match when={snapshot.error as unknown}>
              <ErrorNote error={snapshot.error} />
            </Match>
            <Match when={snapshot.loading}>
              <Loading what="the version as it was" />
            </Match>
            <Match when={snapshot() === null}>
              <Empty>This version did not exist yet.</Empty>
            </Match>
            <Match when={snapshot()}>
              {(v) => (
                <dl class="snapshot-fields">
                  <dt>Label</dt>
                  <dd>{v().label}</dd>
                  <dt>Complete</dt>
                  <dd>{v().complete ? "Yes" : "No"}</dd>
                  <dt>Private</dt>
                  <dd>{v().private ? "Yes" : "No"}</dd>
                  <dt>Notes</dt>
                  <dd>{v().notes ?? "—"}</dd>
                  <dt>Names</dt>
                  <dd>{v().names.map((n) => `${n.name} (${n.language})`).join(", ") || "—"}</dd>
                </dl>
              )}
            </Match>
          </Switch>
        </div>
      </Show>
    </section>
  );
}
