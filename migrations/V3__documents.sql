-- Automerge documents beside the projection, and updatedAt kept by the store alone.
--
-- Chats, resources and runs live in Automerge documents; their rows are a
-- projection that must be identical on every device. A trigger stamping
-- "now" whenever a write leaves updatedAt unchanged would make the projection
-- depend on when each device wrote it, so the updatedAt triggers of V2 go:
-- the store stamps updatedAt on its own updates, and projections carry the
-- document's value. No data is touched.

-- One row per document; `snapshot` is a compacted save(), NULL until the
-- first compaction.
CREATE TABLE "doc" (
    "id" TEXT PRIMARY KEY NOT NULL,
    "snapshot" BLOB,
    "pendingChanges" INTEGER NOT NULL DEFAULT 0
) STRICT;

-- Changes not yet folded into the snapshot, in the order they were stored.
CREATE TABLE "doc_change" (
    "seq" INTEGER PRIMARY KEY,
    "docId" TEXT NOT NULL REFERENCES "doc" ("id") ON DELETE CASCADE,
    "hash" TEXT NOT NULL,
    "data" BLOB NOT NULL
) STRICT;
CREATE UNIQUE INDEX "doc_change_docId_hash_key" ON "doc_change" ("docId", "hash");

-- The parent a reply names in its document, for replies whose parent row is
-- not (or no longer) present: the projection shows parentId NULL then, and
-- restores it if the parent appears later.
CREATE TABLE "reply_parent" (
    "messageId" INTEGER PRIMARY KEY NOT NULL REFERENCES "chat_message" ("id") ON DELETE CASCADE,
    "parentId" INTEGER NOT NULL
) STRICT;
CREATE INDEX "idx_reply_parent_parentId" ON "reply_parent" ("parentId");

DROP TRIGGER "trg_api_key_updatedAt";
DROP TRIGGER "trg_api_key_external_updatedAt";
DROP TRIGGER "trg_award_updatedAt";
DROP TRIGGER "trg_bookmark_updatedAt";
DROP TRIGGER "trg_bookmark_list_updatedAt";
DROP TRIGGER "trg_chat_updatedAt";
DROP TRIGGER "trg_chat_invite_updatedAt";
DROP TRIGGER "trg_chat_message_updatedAt";
DROP TRIGGER "trg_chat_participants_updatedAt";
DROP TRIGGER "trg_comment_updatedAt";
DROP TRIGGER "trg_email_updatedAt";
DROP TRIGGER "trg_issue_updatedAt";
DROP TRIGGER "trg_meeting_updatedAt";
DROP TRIGGER "trg_meeting_invite_updatedAt";
DROP TRIGGER "trg_member_updatedAt";
DROP TRIGGER "trg_member_invite_updatedAt";
DROP TRIGGER "trg_notification_updatedAt";
DROP TRIGGER "trg_payment_updatedAt";
DROP TRIGGER "trg_pull_request_updatedAt";
DROP TRIGGER "trg_reaction_updatedAt";
DROP TRIGGER "trg_reaction_summary_updatedAt";
DROP TRIGGER "trg_reminder_updatedAt";
DROP TRIGGER "trg_reminder_item_updatedAt";
DROP TRIGGER "trg_reminder_list_updatedAt";
DROP TRIGGER "trg_report_updatedAt";
DROP TRIGGER "trg_report_response_updatedAt";
DROP TRIGGER "trg_reputation_history_updatedAt";
DROP TRIGGER "trg_resource_updatedAt";
DROP TRIGGER "trg_resource_version_updatedAt";
DROP TRIGGER "trg_run_updatedAt";
DROP TRIGGER "trg_run_io_updatedAt";
DROP TRIGGER "trg_schedule_updatedAt";
DROP TRIGGER "trg_session_updatedAt";
DROP TRIGGER "trg_tag_updatedAt";
DROP TRIGGER "trg_team_updatedAt";
DROP TRIGGER "trg_transfer_updatedAt";
DROP TRIGGER "trg_user_updatedAt";
DROP TRIGGER "trg_user_auth_updatedAt";
DROP TRIGGER "trg_wallet_updatedAt";
