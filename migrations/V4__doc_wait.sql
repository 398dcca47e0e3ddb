-- Documents waiting for a row that is not on this device yet.
--
-- A projection names rows of other aggregates: a run its resource version,
-- a version relation the version it points to (often in another resource).
-- When that row has not arrived (its document comes in a later bundle), the
-- projection leaves the reference out (NULL, or no relation row) and records
-- here which document waits for which row. When the row arrives, the waiting
-- documents are projected again, so every device ends with the same rows
-- whatever order the documents came in. Rows are local bookkeeping, never
-- synced; a document's rows go with it.
CREATE TABLE "doc_wait" (
    "targetTable" TEXT NOT NULL,
    "targetId" INTEGER NOT NULL,
    "docId" TEXT NOT NULL REFERENCES "doc" ("id") ON DELETE CASCADE,
    PRIMARY KEY ("targetTable", "targetId", "docId")
) STRICT;
CREATE INDEX "idx_doc_wait_docId" ON "doc_wait" ("docId");
