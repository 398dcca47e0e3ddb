-- The heads each document is stored at (its change hashes, sorted, comma-separated), so a
-- sync session can tell whether the server holds a document exactly as it is here by
-- reading a row instead of loading the document: for a busy message bucket a cold load is
-- tens of milliseconds, and it was paid for every document a session sent.
--
-- NULL means unknown, and the document is loaded instead: documents stored before this
-- migration, and any document a change row was stored for without its heads being recorded
-- in the same transaction (the trigger clears them; the store records them after). No data
-- is touched.
ALTER TABLE "doc" ADD COLUMN "heads" TEXT;

CREATE TRIGGER "trg_doc_change_heads" AFTER INSERT ON "doc_change" BEGIN
    UPDATE "doc" SET "heads" = NULL WHERE "id" = NEW."docId";
END;
