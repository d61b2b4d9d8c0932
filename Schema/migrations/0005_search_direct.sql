-- Darkroom library schema, version 5: index new generations without a trigger.
--
-- Through the AFTER INSERT trigger of 0002, the full-text row cost about 112 µs per generation;
-- inserted directly by the store (GenerationRecord.aroundInsert, in the same transaction) about
-- 34 µs. The other triggers (prompt edits, tags, albums, renames, deletes) stay.

DROP TRIGGER generation_search_insert;
