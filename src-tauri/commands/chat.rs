//! Chats: list, thread, create, post, edit, delete, and marking a chat read on this device.

use tauri::{AppHandle, State};
use vrooli_core::Authorship;
use vrooli_model::entities::ChatMessage;

use crate::error::{parse_id, CommandError};
use crate::events::{changed, Area};
use crate::state::AppState;
use crate::views::chat::{self, ChatSummary, ChatThread, MessageView};

/// Every chat, most recently active first, with unread counts for this device.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn list_chats(state: State<'_, AppState>) -> Result<Vec<ChatSummary>, CommandError> {
    state.with_prefs(|prefs| state.read(|store| chat::list(store, |id| prefs.chat_opened(id))))
}

/// One chat with its members and its newest `shown` messages (by default a first page) as a
/// thread, reaching back to `including` when it names an older message of the chat.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn get_chat(
    state: State<'_, AppState>,
    chat_id: String,
    shown: Option<u32>,
    including: Option<String>,
) -> Result<ChatThread, CommandError> {
    let chat_id = parse_id("chatId", &chat_id)?;
    let including = including.map(|id| parse_id("including", &id)).transpose()?;
    state.read(|store| -> Result<ChatThread, CommandError> {
        let authorship = Authorship::of(store)?;
        let shown = shown.unwrap_or(chat::FIRST_PAGE);
        Ok(chat::thread_of(store, chat_id, &authorship, shown, including)?)
    })
}

/// Creates a chat named `name` in `language`; returns its id.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn create_chat(
    app: AppHandle,
    state: State<'_, AppState>,
    name: String,
    language: String,
) -> Result<String, CommandError> {
    let chat = state.with_workspace(|ws| ws.create_chat(&name, &language))?;
    changed(&app, [(Area::Chat, chat.id)]);
    Ok(chat.id.to_string())
}

/// Posts a message, as a reply when `reply_to` names a message of the same chat.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn post_message(
    app: AppHandle,
    state: State<'_, AppState>,
    chat_id: String,
    text: String,
    language: String,
    reply_to: Option<String>,
) -> Result<MessageView, CommandError> {
    let chat_id = parse_id("chatId", &chat_id)?;
    let reply_to = reply_to.map(|id| parse_id("replyTo", &id)).transpose()?;
    let message = state.with_workspace(|ws| ws.post_message(chat_id, &text, &language, reply_to))?;
    changed(&app, [(Area::Chat, chat_id)]);
    Ok(MessageView::new(message, 0, &Authorship::default()))
}

/// Replaces a message's text.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn edit_message(
    app: AppHandle,
    state: State<'_, AppState>,
    message_id: String,
    text: String,
) -> Result<MessageView, CommandError> {
    let message_id = parse_id("messageId", &message_id)?;
    let message = state.with_workspace(|ws| ws.edit_message(message_id, &text))?;
    changed(&app, [(Area::Chat, message.chat_id)]);
    Ok(MessageView::new(message, 0, &Authorship::default()))
}

/// Deletes a message; its replies stay.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn delete_message(
    app: AppHandle,
    state: State<'_, AppState>,
    message_id: String,
) -> Result<(), CommandError> {
    let message_id = parse_id("messageId", &message_id)?;
    let chat_id = state.with_workspace(|ws| {
        let chat_id = ws.store().get::<ChatMessage>(message_id)?.map(|m| m.chat_id);
        ws.delete_message(message_id).map(|()| chat_id)
    })?;
    changed(&app, chat_id.map(|id| (Area::Chat, id)));
    Ok(())
}

/// Adds (or with `on` false, takes back) this device's user's `emoji` reaction to a message.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn react(
    app: AppHandle,
    state: State<'_, AppState>,
    message_id: String,
    emoji: String,
    on: bool,
) -> Result<(), CommandError> {
    let message_id = parse_id("messageId", &message_id)?;
    let chat_id = state.with_workspace(|ws| {
        let chat_id = ws.store().get::<ChatMessage>(message_id)?.map(|m| m.chat_id);
        if on { ws.react(message_id, &emoji).map(drop) } else { ws.unreact(message_id, &emoji) }.map(|()| chat_id)
    })?;
    changed(&app, chat_id.map(|id| (Area::Chat, id)));
    Ok(())
}

/// Records that the chat was opened now on this device: its messages so far are read.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn mark_chat_read(state: State<'_, AppState>, chat_id: String) -> Result<(), CommandError> {
    let chat_id = parse_id("chatId", &chat_id)?;
    let now = state.now();
    state.with_prefs(|prefs| prefs.mark_chat_opened(chat_id, now))
}
