//! A chat's participants and invites: each merge rule as a named,
//! deterministic test, and who may change them.

use vrooli_model::entities::{ChatInvite, ChatParticipants, Member, User};
use vrooli_model::enums::InviteStatus;
use vrooli_model::Value;
use vrooli_protocol::wire;
use vrooli_store::ListQuery;

use crate::support::*;

const BOB: i64 = 7_000_001;

fn participants(d: &Device, chat: i64) -> Vec<ChatParticipants> {
    d.ws.store().list::<ChatParticipants>(&ListQuery::default().filter("chatId", Value::Integer(chat))).unwrap().items
}

fn invites(d: &Device, chat: i64) -> Vec<ChatInvite> {
    d.ws.store().list::<ChatInvite>(&ListQuery::default().filter("chatId", Value::Integer(chat))).unwrap().items
}

/// Ann's device with a chat, and Bob's device (signed in as BOB) that has it.
fn ann_and_bob() -> (Device, Device, i64) {
    let mut ann = device();
    let mut bob = device();
    bob.ws.adopt_account(BOB, "bob@example.com").unwrap();
    let chat = ann.ws.create_chat("Plans", "en").unwrap().id;
    send(&ann, &mut bob);
    (ann, bob, chat)
}

#[test]
fn concurrent_adds_of_the_same_participant_make_one_row() {
    // Two devices of the chat's creator.
    let mut ann = device();
    let mut other = device();
    let chat = ann.ws.create_chat("Plans", "en").unwrap().id;
    send(&ann, &mut other);
    ann.ws.add_participant(chat, 42).unwrap();
    other.ws.add_participant(chat, 42).unwrap();
    sync(&mut ann, &mut other);
    for d in [&ann, &other] {
        let rows = participants(d, chat);
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0].user_id, 42);
    }
    assert_converged(&ann, &other);
}

#[test]
fn a_participant_unknown_here_gets_a_placeholder_user() {
    let (mut ann, mut bob, chat) = ann_and_bob();
    ann.ws.add_participant(chat, 42).unwrap();
    let mut fresh = device();
    send(&ann, &mut fresh);
    send(&ann, &mut bob);
    assert_eq!(participants(&fresh, chat)[0].user_id, 42);
    assert!(fresh.ws.store().get::<User>(42).unwrap().is_some(), "the participant's user row exists");
    assert_eq!(fresh.ws.doctor().unwrap().differences, Vec::<String>::new());
    assert_converged(&ann, &fresh);
}

#[test]
fn adding_twice_changes_nothing_and_removing_deletes_the_row() {
    let (mut ann, mut bob, chat) = ann_and_bob();
    let first = ann.ws.add_participant(chat, 42).unwrap();
    assert_eq!(ann.ws.add_participant(chat, 42).unwrap().id, first.id);
    send(&ann, &mut bob);
    ann.ws.remove_participant(chat, 42).unwrap();
    assert!(participants(&ann, chat).is_empty());
    let err = ann.ws.remove_participant(chat, 42).unwrap_err();
    assert_eq!(err.code(), "not_found");
    send(&ann, &mut bob);
    assert!(participants(&bob, chat).is_empty(), "the removal reaches other devices");
}

#[test]
fn an_accepted_invite_makes_a_participant_and_a_declined_one_does_not() {
    let (mut ann, mut bob, chat) = ann_and_bob();
    assert_eq!(bob.ws.accept_chat_invite(chat).unwrap_err().code(), "not_found", "no invite yet");
    let invite = ann.ws.invite_to_chat(chat, BOB, Some("join us")).unwrap();
    assert_eq!(invite.status, InviteStatus::Pending);
    send(&ann, &mut bob);
    assert_eq!(invites(&bob, chat)[0].message.as_deref(), Some("join us"));
    let me = bob.ws.accept_chat_invite(chat).unwrap();
    assert_eq!(me.user_id, BOB);
    assert_eq!(bob.ws.accept_chat_invite(chat).unwrap_err().code(), "not_found", "answered already");
    sync(&mut ann, &mut bob);
    for d in [&ann, &bob] {
        assert_eq!(invites(d, chat)[0].status, InviteStatus::Accepted);
        assert_eq!(participants(d, chat).iter().map(|p| p.user_id).collect::<Vec<_>>(), vec![BOB]);
    }
    // Inviting a participant is refused; inviting again after a decline re-opens it.
    assert_eq!(ann.ws.invite_to_chat(chat, BOB, None).unwrap_err().code(), "invalid");
    let other = ann.ws.create_chat("Other", "en").unwrap().id;
    ann.ws.invite_to_chat(other, BOB, None).unwrap();
    send(&ann, &mut bob);
    assert_eq!(bob.ws.decline_chat_invite(other).unwrap().status, InviteStatus::Declined);
    send(&bob, &mut ann);
    assert!(participants(&ann, other).is_empty());
    assert_eq!(invites(&ann, other)[0].status, InviteStatus::Declined);
    let again = ann.ws.invite_to_chat(other, BOB, Some("please")).unwrap();
    assert_eq!((again.status, again.id), (InviteStatus::Pending, invites(&bob, other)[0].id), "the same invite row");
    send(&ann, &mut bob);
    assert_converged(&ann, &bob);
}

/// Accepting while the owner withdraws the invite: the withdrawal deletes
/// the invite (delete wins over the concurrent status edit inside it), the
/// participant the accept added is a separate key and stays.
#[test]
fn an_accept_wins_over_a_concurrent_withdrawal_of_the_invite() {
    let (mut ann, mut bob, chat) = ann_and_bob();
    ann.ws.invite_to_chat(chat, BOB, None).unwrap();
    send(&ann, &mut bob);
    bob.ws.accept_chat_invite(chat).unwrap();
    ann.ws.withdraw_chat_invite(chat, BOB).unwrap();
    sync(&mut ann, &mut bob);
    for d in [&ann, &bob] {
        assert!(invites(d, chat).is_empty(), "the invite is gone");
        assert_eq!(participants(d, chat).iter().map(|p| p.user_id).collect::<Vec<_>>(), vec![BOB]);
    }
    assert_converged(&ann, &bob);
}

#[test]
fn only_a_teams_admins_change_who_takes_part_in_its_chats() {
    let mut d = device();
    let me = 9_000_001;
    d.ws.adopt_account(me, "me@example.com").unwrap();
    let team = |admin: bool| wire::Team {
        id: "500".into(),
        name: "Crew".into(),
        created_at: 1,
        members: vec![wire::Member {
            user_id: me.to_string(),
            email: "me@example.com".into(),
            is_admin: admin,
            joined_at: 1,
        }],
        invites: Vec::new(),
    };
    d.ws.apply_teams(me, &[team(false)], &[]).unwrap();
    let chat = d.ws.create_chat_for("Crew chat", "en", Some(500)).unwrap().id;
    for err in [d.ws.add_participant(chat, 42).unwrap_err(), d.ws.invite_to_chat(chat, 42, None).unwrap_err()] {
        assert_eq!(err.code(), "forbidden", "{err}");
    }
    assert!(participants(&d, chat).is_empty() && invites(&d, chat).is_empty(), "nothing was written");
    let member = |d: &Device| {
        let rows = d.ws.store().list::<Member>(&ListQuery::default().filter("teamId", Value::Integer(500))).unwrap();
        rows.items[0].permissions.clone().unwrap()
    };
    assert_eq!(member(&d), vrooli_model::permissions::default_member_permissions());
    d.ws.apply_teams(me, &[team(true)], &[]).unwrap();
    assert_eq!(member(&d)["canInviteMembers"], true, "an admin's permissions");
    d.ws.add_participant(chat, 42).unwrap();
    d.ws.invite_to_chat(chat, 43, None).unwrap();
    assert_eq!(participants(&d, chat).len(), 1);
}
