/**
 * One chat: its messages as a thread (replies under their parent, branches side by side in
 * depth), in a virtualised list; compose at the bottom (Enter sends, Shift+Enter is a new
 * line); reactions; edit and delete in place for messages this device's account wrote; members as
 * read-only lists.
 */
import { createEffect, createMemo, createResource, createSignal, For, type JSX, Match, on, Show, Switch } from "solid-js";

import { api, type ChatThread, fieldError, type MessageView } from "../api";
import { Empty, ErrorNote, FieldError, Loading } from "../components/Status";
import { VirtualList } from "../components/VirtualList";
import { revision } from "../state/changes";
import { loaded } from "../state/loaded";
import { markRead } from "../state/chats";
import { composeKey, formatTime, pickName } from "../state/format";
import { UI_LANGUAGE } from "../state/language";

/** Replies deeper than this are drawn at this depth, so long chains stay readable. */
const MAX_INDENT = 8;

/** Messages a chat opens with, and how many more each "Load earlier" adds. */
export const FIRST_PAGE = 200;
export const EARLIER_PAGE = 2_000;

export function ChatThreadView(props: { chatId: string; focusMessageId?: string | undefined }): JSX.Element {
  // How many of the newest messages to show; a chat opens with a first page.
  const [shown, setShown] = createSignal(FIRST_PAGE);
  createEffect(on(() => props.chatId, () => setShown(FIRST_PAGE), { defer: true }));
  const [thread] = createResource(
    () => ({
      chatId: props.chatId,
      revision: revision("chat", props.chatId),
      shown: shown(),
      including: props.focusMessageId ?? null,
    }),
    ({ chatId, shown, including }): Promise<ChatThread> => api.getChat(chatId, shown, including),
  );
  const [replyTo, setReplyTo] = createSignal<MessageView | null>(null);
  /** The message to bring into view: the focused search hit, else the one just posted. */
  const [scrollToId, setScrollToId] = createSignal<string | null>(props.focusMessageId ?? null);

  // Opening a chat (and every reload while it is open) makes its messages read here.
  createEffect(
    on(
      () => loaded(thread),
      (current) => {
        if (current) void markRead(current.id).catch(() => undefined);
      },
    ),
  );

  const scrollTo = createMemo(() => {
    const messages = loaded(thread)?.messages;
    if (!messages || messages.length === 0) return null;
    const wanted = scrollToId();
    const index = wanted ? messages.findIndex((m) => m.id === wanted) : -1;
    return index >= 0
      ? { index, align: "center" as const }
      : { index: messages.length - 1, align: "end" as const };
  });

  return (
    <Switch>
      <Match when={thread.error as unknown}>
        <ErrorNote error={thread.error} prefix="Could not load the chat" />
      </Match>
      <Match when={loaded(thread) === undefined}>
        <Loading what="messages" />
      </Match>
      <Match when={loaded(thread)}>
        {(data) => (
          <div class="thread" data-testid="chat-thread" data-chat-id={data().id} data-loaded={data().messages.length}>
            <header class="thread-header">
              <h2 data-testid="chat-title">{pickName(data().names)}</h2>
              <Members chat={data()} />
            </header>
            <Show when={data().hasEarlier}>
              <button
                type="button"
                class="link load-earlier"
                data-testid="load-earlier"
                // One page at a time: a second press while the first loads would only queue reloads.
                disabled={thread.loading}
                onClick={() => {
                  // Keep the reader where they were: the oldest message shown so far.
                  setScrollToId(data().messages[0]?.id ?? null);
                  setShown(Math.max(shown(), data().messages.length) + EARLIER_PAGE);
                }}
              >
                {thread.loading ? "Loading earlier messages…" : "Load earlier messages"}
              </button>
            </Show>
            <Show
              when={data().messages.length > 0}
              fallback={<Empty testid="no-messages">No messages yet. Write the first one below.</Empty>}
            >
              <VirtualList
                items={data().messages}
                estimate={64}
                key={(m) => m.id}
                label="Messages"
                class="messages"
                testid="messages"
                scrollTo={scrollTo()}
              >
                {(message) => (
                  <MessageRow
                    message={message}
                    highlighted={message.id === props.focusMessageId}
                    onReply={() => setReplyTo(message)}
                  />
                )}
              </VirtualList>
            </Show>
            <Compose
              chatId={data().id}
              replyTo={replyTo()}
              onCancelReply={() => setReplyTo(null)}
              onPosted={(message) => {
                setReplyTo(null);
                setScrollToId(message.id);
              }}
            />
          </div>
        )}
      </Match>
    </Switch>
  );
}

function Members(props: { chat: ChatThread }): JSX.Element {
  const label = (m: { userId: string; name: string | null }) => m.name ?? `user ${m.userId}`;
  return (
    <details class="members" data-testid="members">
      <summary>
        {props.chat.participants.length} participant(s), {props.chat.invites.length} invite(s)
      </summary>
      <h3>Participants</h3>
      <Show when={props.chat.participants.length > 0} fallback={<p class="empty">None on this device.</p>}>
        <ul>
          <For each={props.chat.participants}>{(m) => <li>{label(m)}</li>}</For>
        </ul>
      </Show>
      <h3>Invites</h3>
      <Show when={props.chat.invites.length > 0} fallback={<p class="empty">None.</p>}>
        <ul>
          <For each={props.chat.invites}>
            {(m) => (
              <li>
                {label(m)} — {m.status}
              </li>
            )}
          </For>
        </ul>
      </Show>
    </details>
  );
}

/** The reactions offered beside those a message already has. */
export const QUICK_REACTIONS = ["👍", "🎉", "❤️", "😄"] as const;

/** A message's reactions as toggles (pressed = mine), and quick ones to add. */
function Reactions(props: { message: MessageView; onError: (e: unknown) => void }): JSX.Element {
  const [busy, setBusy] = createSignal(false);
  const toggle = async (emoji: string, on: boolean) => {
    setBusy(true);
    try {
      await api.react(props.message.id, emoji, on);
    } catch (e) {
      props.onError(e);
    } finally {
      setBusy(false);
    }
  };
  const unused = () => QUICK_REACTIONS.filter((emoji) => !props.message.reactions.some((r) => r.emoji === emoji));
  return (
    <span class="reactions" data-testid="reactions">
      <For each={props.message.reactions}>
        {(r) => (
          <button
            type="button"
            class="reaction"
            classList={{ mine: r.mine }}
            aria-pressed={r.mine}
            aria-label={`${r.emoji} ${r.count}${r.mine ? ", yours" : ""}`}
            data-testid="reaction"
            data-emoji={r.emoji}
            disabled={busy()}
            onClick={() => void toggle(r.emoji, !r.mine)}
          >
            {r.emoji} {r.count}
          </button>
        )}
      </For>
      <For each={unused()}>
        {(emoji) => (
          <button
            type="button"
            class="reaction add"
            aria-label={`React with ${emoji}`}
            data-testid="add-reaction"
            data-emoji={emoji}
            disabled={busy()}
            onClick={() => void toggle(emoji, true)}
          >
            {emoji}
          </button>
        )}
      </For>
    </span>
  );
}

function MessageRow(props: { message: MessageView; highlighted: boolean; onReply: () => void }): JSX.Element {
  const [editing, setEditing] = createSignal(false);
  const [confirmDelete, setConfirmDelete] = createSignal(false);
  const [error, setError] = createSignal<unknown>(null);
  const indent = () => Math.min(props.message.depth, MAX_INDENT);

  const remove = async () => {
    try {
      await api.deleteMessage(props.message.id);
    } catch (e) {
      setError(e);
      setConfirmDelete(false);
    }
  };

  return (
    <article
      class="message"
      classList={{ highlighted: props.highlighted, reply: props.message.depth > 0 }}
      style={{ "--depth": String(indent()) }}
      data-testid="message"
      data-message-id={props.message.id}
      data-depth={props.message.depth}
      aria-label={props.message.depth > 0 ? "Reply" : "Message"}
    >
      <Show
        when={editing()}
        fallback={
          <p class="message-text" data-testid="message-text">
            {props.message.text}
          </p>
        }
      >
        <EditMessage
          message={props.message}
          onDone={() => setEditing(false)}
        />
      </Show>
      <footer class="message-meta">
        <time dateTime={props.message.createdAt}>{formatTime(props.message.createdAt)}</time>
        <Show when={props.message.versionIndex > 0}>
          <span class="edited" data-testid="edited">
            edited
          </span>
        </Show>
        <Reactions message={props.message} onError={setError} />
        <Show when={!editing()}>
          <button type="button" class="link" data-testid="reply" onClick={() => props.onReply()}>
            Reply
          </button>
          <Show when={props.message.editable}>
            <button type="button" class="link" data-testid="edit" onClick={() => setEditing(true)}>
              Edit
            </button>
            <Show
              when={confirmDelete()}
              fallback={
                <button type="button" class="link" data-testid="delete" onClick={() => setConfirmDelete(true)}>
                  Delete
                </button>
              }
            >
              <button type="button" class="link danger" data-testid="confirm-delete" onClick={() => void remove()}>
                Delete for good?
              </button>
              <button type="button" class="link" onClick={() => setConfirmDelete(false)}>
                Keep
              </button>
            </Show>
          </Show>
        </Show>
      </footer>
      <Show when={error()}>
        <ErrorNote error={error()} testid="message-error" />
      </Show>
    </article>
  );
}

function EditMessage(props: { message: MessageView; onDone: () => void }): JSX.Element {
  const [text, setText] = createSignal(props.message.text);
  const [error, setError] = createSignal<unknown>(null);
  const save = async () => {
    try {
      await api.editMessage(props.message.id, text());
      props.onDone();
    } catch (e) {
      setError(e);
    }
  };
  const errorId = `edit-${props.message.id}-error`;
  return (
    <div class="edit-message">
      <textarea
        data-testid="edit-text"
        aria-label="Edit message"
        aria-describedby={errorId}
        value={text()}
        ref={(el) => queueMicrotask(() => el.focus())}
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === "Escape") {
            e.preventDefault();
            props.onDone();
          } else if (composeKey(e) === "send") {
            e.preventDefault();
            void save();
          }
        }}
      />
      <button type="button" data-testid="save-edit" onClick={() => void save()}>
        Save
      </button>
      <button type="button" onClick={() => props.onDone()}>
        Cancel
      </button>
      <FieldError id={errorId} message={fieldError(error(), "text") ?? (error() ? String((error() as Error).message) : undefined)} />
    </div>
  );
}

function Compose(props: {
  chatId: string;
  replyTo: MessageView | null;
  onCancelReply: () => void;
  onPosted: (message: MessageView) => void;
}): JSX.Element {
  const [text, setText] = createSignal("");
  const [error, setError] = createSignal<unknown>(null);
  const [busy, setBusy] = createSignal(false);
  let box: HTMLTextAreaElement | undefined;

  createEffect(
    on(
      () => props.replyTo,
      (reply) => {
        if (reply) box?.focus();
      },
    ),
  );

  const send = async () => {
    const body = text();
    if (body.trim() === "" || busy()) return;
    setBusy(true);
    try {
      const message = await api.postMessage(props.chatId, body, UI_LANGUAGE, props.replyTo?.id ?? null);
      setText("");
      setError(null);
      props.onPosted(message);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      class="compose"
      data-testid="compose"
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      <Show when={props.replyTo}>
        {(reply) => (
          <p class="replying" data-testid="replying-to">
            Replying to “{reply().text.slice(0, 80)}”
            <button type="button" class="link" aria-label="Cancel reply" onClick={() => props.onCancelReply()}>
              ✕
            </button>
          </p>
        )}
      </Show>
      <textarea
        ref={box}
        data-testid="compose-text"
        aria-label="Message"
        aria-describedby="compose-error"
        placeholder="Write a message — Enter sends, Shift+Enter for a new line"
        rows={2}
        value={text()}
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          const action = composeKey(e);
          if (action === "send") {
            e.preventDefault();
            void send();
          }
        }}
      />
      <button type="submit" disabled={busy()} data-testid="send">
        Send
      </button>
      <FieldError id="compose-error" message={error() ? (fieldError(error(), "text") ?? String((error() as Error).message)) : undefined} />
    </form>
  );
}
