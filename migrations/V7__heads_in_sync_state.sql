-- V6 recorded each document's heads in `doc`, whose rows also hold the document's snapshot:
-- SQLite rewrites a whole row on update, so recording the heads rewrote the snapshot's pages
-- twice per write (documents bench: a post into a 100k-message chat went from 0.73 to 1.23 ms
-- median). They move to `sync_state`, a row of a few numbers per document. `doc.heads` is no
-- longer read or written (clearing it would rewrite every snapshot once); no data is lost.
DROP TRIGGER "trg_doc_change_heads";

ALTER TABLE "sync_state" ADD COLUMN "heads" TEXT;
UPDATE "sync_state" SET "heads" = (SELECT "heads" FROM "doc" WHERE "doc"."id" = "sync_state"."docId");

-- A change row stored without its heads being recorded in the same transaction leaves them
-- unknown (NULL: the document is loaded instead); the store records them after its rows.
CREATE TRIGGER "trg_doc_change_sync_heads" AFTER INSERT ON "doc_change" BEGIN
    UPDATE "sync_state" SET "heads" = NULL WHERE "docId" = NEW."docId";
END;
