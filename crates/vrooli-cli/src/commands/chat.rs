//! `vrooli chat …`: create, post, edit, delete-message, and a chat's people
//! — add-participant, remove-participant, invite, accept, decline —
//! (documents, through the workspace); show and list (the projection,
//! through the store).

use clap::Subcommand;
use vrooli_model::entities::{Chat, ChatMessage, ChatTranslation, ReactionSummary};
use vrooli_store::{Order, Value};

use super::{all, found, newest, Context};
use crate::output::chat::{
    ChatCreated, ChatList, ChatSummary, ChatView, Invite, Message, MessageDeleted, Participant, ParticipantRemoved,
    Reacted,
};
use crate::output::{self, CliError};

#[derive(Subcommand)]
pub enum ChatCommand {
    /// Create a chat named NAME.
    Create {
        #[arg(long)]
        name: String,
        /// The name's language (2–3 lowercase letters).
        #[arg(long, default_value = "en")]
        language: String,
        /// Owned by this team (from `vrooli team list`): it syncs to the team's members.
        #[arg(long, value_name = "TEAM_ID")]
        team: Option<i64>,
    },
    /// Post a message to a chat.
    Post {
        /// The chat (from `chat create` or `chat list`).
        chat_id: i64,
        #[arg(long)]
        text: String,
        /// The message this one replies to (of the same chat).
        #[arg(long, value_name = "MESSAGE_ID")]
        reply_to: Option<i64>,
        #[arg(long, default_value = "en")]
        language: String,
    },
    /// Replace a message's text (its versionIndex counts the edit).
    Edit {
        /// The message (from `chat show`).
        message_id: i64,
        #[arg(long)]
        text: String,
    },
    /// Delete a message; its replies stay.
    DeleteMessage {
        /// The message (from `chat show`).
        message_id: i64,
    },
    /// React to a message with an emoji (once per emoji; again changes nothing).
    React {
        message_id: i64,
        #[arg(long)]
        emoji: String,
    },
    /// Take back your reaction.
    Unreact {
        message_id: i64,
        #[arg(long)]
        emoji: String,
    },
    /// A chat: its names, document ids and messages as a thread.
    Show {
        /// The chat (from `chat list`).
        chat_id: i64,
    },
    /// Chats, most recently active first.
    List,
    /// Let a user take part in a chat (its owner only): it syncs to their devices.
    AddParticipant {
        chat_id: i64,
        /// Their user id (`vrooli account status` shows one's own).
        #[arg(long, value_name = "USER_ID")]
        user: i64,
    },
    /// Remove a participant (the owner), or leave (yourself): no further changes reach them.
    RemoveParticipant {
        chat_id: i64,
        #[arg(long, value_name = "USER_ID")]
        user: i64,
    },
    /// Invite a user to a chat (its owner only): they see it until they answer.
    Invite {
        chat_id: i64,
        #[arg(long, value_name = "USER_ID")]
        user: i64,
        #[arg(long, value_name = "TEXT")]
        message: Option<String>,
    },
    /// Accept your invite to a chat: you become a participant.
    Accept { chat_id: i64 },
    /// Decline your invite to a chat.
    Decline { chat_id: i64 },
}

pub fn run(ctx: &Context, command: &ChatCommand) -> Result<(), CliError> {
    match command {
        ChatCommand::Create { name, language, team } => {
            let chat = ctx.workspace()?.create_chat_for(name, language, *team)?;
            output::print(ctx.json, &ChatCreated::new(&chat, name, language))
        }
        ChatCommand::Post { chat_id, text, reply_to, language } => {
            let message = ctx.workspace()?.post_message(*chat_id, text, language, *reply_to)?;
            output::print(ctx.json, &Message::new(message, 0))
        }
        ChatCommand::Edit { message_id, text } => {
            let message = ctx.workspace()?.edit_message(*message_id, text)?;
            output::print(ctx.json, &Message::new(message, 0))
        }
        ChatCommand::DeleteMessage { message_id } => {
            ctx.workspace()?.delete_message(*message_id)?;
            output::print(ctx.json, &MessageDeleted { id: message_id.to_string(), deleted: true })
        }
        ChatCommand::React { message_id, emoji } => {
            ctx.workspace()?.react(*message_id, emoji)?;
            output::print(
                ctx.json,
                &Reacted { message_id: message_id.to_string(), emoji: emoji.clone(), reacted: true },
            )
        }
        ChatCommand::Unreact { message_id, emoji } => {
            ctx.workspace()?.unreact(*message_id, emoji)?;
            output::print(
                ctx.json,
                &Reacted { message_id: message_id.to_string(), emoji: emoji.clone(), reacted: false },
            )
        }
        ChatCommand::Show { chat_id } => show(ctx, *chat_id),
        ChatCommand::List => list(ctx),
        ChatCommand::AddParticipant { chat_id, user } => {
            let participant = ctx.workspace()?.add_participant(*chat_id, *user)?;
            output::print(ctx.json, &Participant::from(participant))
        }
        ChatCommand::RemoveParticipant { chat_id, user } => {
            ctx.workspace()?.remove_participant(*chat_id, *user)?;
            let removed = ParticipantRemoved { chat_id: chat_id.to_string(), user_id: user.to_string(), removed: true };
            output::print(ctx.json, &removed)
        }
        ChatCommand::Invite { chat_id, user, message } => {
            let invite = ctx.workspace()?.invite_to_chat(*chat_id, *user, message.as_deref())?;
            output::print(ctx.json, &Invite::from(invite))
        }
        ChatCommand::Accept { chat_id } => {
            let participant = ctx.workspace()?.accept_chat_invite(*chat_id)?;
            output::print(ctx.json, &Participant::from(participant))
        }
        ChatCommand::Decline { chat_id } => {
            let invite = ctx.workspace()?.decline_chat_invite(*chat_id)?;
            output::print(ctx.json, &Invite::from(invite))
        }
    }
}

fn show(ctx: &Context, chat_id: i64) -> Result<(), CliError> {
    let store = ctx.store()?;
    let chat = found(store.get::<Chat>(chat_id)?, "chat", chat_id)?;
    let by_chat = [("chatId", Value::Integer(chat_id))];
    let names = all::<ChatTranslation>(&store, &by_chat, Order::OldestFirst)?;
    let messages = all::<ChatMessage>(&store, &by_chat, Order::OldestFirst)?;
    let mut reactions = Vec::new();
    for m in &messages {
        reactions.extend(all::<ReactionSummary>(
            &store,
            &[("chatMessageId", Value::Integer(m.id))],
            Order::OldestFirst,
        )?);
    }
    output::print(ctx.json, &ChatView::new(chat, names, messages, reactions))
}

fn list(ctx: &Context) -> Result<(), CliError> {
    let store = ctx.store()?;
    let mut chats = Vec::new();
    for chat in all::<Chat>(&store, &[], Order::NewestFirst)? {
        let by_chat = [("chatId", Value::Integer(chat.id))];
        let names = all::<ChatTranslation>(&store, &by_chat, Order::OldestFirst)?;
        // The (chatId, createdAt) index serves this without reading the chat's messages.
        let newest = newest::<ChatMessage>(&store, &by_chat)?.map(|m| m.created_at);
        chats.push(ChatSummary::new(&chat, names, newest));
    }
    output::print(ctx.json, &ChatList::new(chats))
}
