-- What the sync server is known to hold of each document, so a device can
-- tell whether it has changes the server has not acknowledged.
--
-- `version` counts the changes stored for a document (made here, merged
-- from the server, or imported from a bundle); a trigger keeps it, so every
-- write path counts without knowing about sync. When a sync session
-- converges, the client records the version (and the heads) at which the
-- server is known to hold the document. A document is pending while its
-- version is past that mark: new local changes always are, and changes
-- that came from elsewhere are until the next session confirms them.
-- Rows are local bookkeeping, never synced; a document's row goes with it.
CREATE TABLE "sync_state" (
    "docId" TEXT PRIMARY KEY NOT NULL REFERENCES "doc" ("id") ON DELETE CASCADE,
    "version" INTEGER NOT NULL DEFAULT 0 CHECK ("version" >= 0),
    -- NULL until the server first acknowledged the document.
    "sharedVersion" INTEGER CHECK ("sharedVersion" >= 0 AND "sharedVersion" <= "version"),
    -- Comma-separated change hashes, sorted: the heads the server holds.
    "sharedHeads" TEXT
) STRICT;

-- Documents stored before this migration: unknown to be on the server, so pending.
INSERT INTO "sync_state" ("docId", "version") SELECT "id", 1 FROM "doc";

CREATE TRIGGER "trg_doc_change_sync_state" AFTER INSERT ON "doc_change" BEGIN
    INSERT OR IGNORE INTO "sync_state" ("docId") VALUES (NEW."docId");
    UPDATE "sync_state" SET "version" = "version" + 1 WHERE "docId" = NEW."docId";
END;
