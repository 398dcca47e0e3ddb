/** Chats: the list by last activity (with unread counts) beside the open thread. */
import { createSignal, ErrorBoundary, For, type JSX, Match, Show, Switch } from "solid-js";

import { api, fieldError } from "../api";
import { loaded } from "../state/loaded";
import { Empty, ErrorNote, FieldError, Loading } from "../components/Status";
import { chatList } from "../state/chats";
import { formatTime, pickName, unreadLabel } from "../state/format";
import { UI_LANGUAGE } from "../state/language";
import { navigate, route } from "../state/router";
import { ChatThreadView } from "./ChatThread";

export function Chats(): JSX.Element {
  const openChat = () => {
    const r = route();
    return r.screen === "chats" ? r.chatId : undefined;
  };
  const focusMessage = () => {
    const r = route();
    return r.screen === "chats" ? r.messageId : undefined;
  };
  return (
    <div class="split">
      <section class="pane list-pane" aria-labelledby="chats-heading">
        <h1 id="chats-heading">Chats</h1>
        <NewChat />
        <ChatList selected={openChat()} />
      </section>
      <section class="pane detail-pane" aria-label="Chat">
        <Show when={openChat()} fallback={<Empty testid="no-chat-open">Pick a chat, or create one.</Empty>} keyed>
          {(chatId) => (
            <ErrorBoundary fallback={(error) => <ErrorNote error={error} />}>
              <ChatThreadView chatId={chatId} focusMessageId={focusMessage()} />
            </ErrorBoundary>
          )}
        </Show>
      </section>
    </div>
  );
}

function NewChat(): JSX.Element {
  const [name, setName] = createSignal("");
  const [error, setError] = createSignal<unknown>(null);
  const [busy, setBusy] = createSignal(false);
  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      const chatId = await api.createChat(name().trim(), UI_LANGUAGE);
      setName("");
      setError(null);
      navigate({ screen: "chats", chatId });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const nameError = () => fieldError(error(), "name");
  return (
    <form class="inline-form" onSubmit={submit} data-testid="new-chat">
      <label for="new-chat-name">New chat</label>
      <input
        id="new-chat-name"
        data-testid="new-chat-name"
        value={name()}
        onInput={(e) => setName(e.currentTarget.value)}
        placeholder="Name"
        required
        aria-invalid={nameError() ? "true" : undefined}
        aria-describedby="new-chat-name-error"
      />
      <button type="submit" disabled={busy()} data-testid="create-chat">
        Create
      </button>
      <FieldError id="new-chat-name-error" message={nameError()} />
      <Show when={error() && !nameError()}>
        <ErrorNote error={error()} testid="create-chat-error" />
      </Show>
    </form>
  );
}

function ChatList(props: { selected: string | undefined }): JSX.Element {
  return (
    <Switch>
      <Match when={chatList().error as unknown}>
        <ErrorNote error={chatList().error} prefix="Could not load chats" />
      </Match>
      <Match when={loaded(chatList()) === undefined}>
        <Loading what="chats" />
      </Match>
      <Match when={loaded(chatList())?.length === 0}>
        <Empty testid="no-chats">No chats yet.</Empty>
      </Match>
      <Match when={loaded(chatList())}>
        {(chats) => (
          <ul class="item-list" data-testid="chat-list">
            <For each={chats()}>
              {(chat) => (
                <li>
                  <button
                    type="button"
                    class="item"
                    classList={{ unread: chat.unread > 0 }}
                    aria-current={props.selected === chat.id ? "true" : undefined}
                    data-testid="chat-item"
                    data-chat-id={chat.id}
                    onClick={() => navigate({ screen: "chats", chatId: chat.id })}
                  >
                    <span class="item-title">{pickName(chat.names)}</span>
                    <Show when={chat.unread > 0}>
                      <span class="badge" data-testid="unread" aria-label={`${chat.unread} unread`}>
                        {unreadLabel(chat.unread)}
                      </span>
                    </Show>
                    <span class="item-meta">{formatTime(chat.lastActivity)}</span>
                    <Show when={chat.preview}>
                      <span class="item-preview">{chat.preview}</span>
                    </Show>
                  </button>
                </li>
              )}
            </For>
          </ul>
        )}
      </Match>
    </Switch>
  );
}
