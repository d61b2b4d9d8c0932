-- Darkroom library schema, version 7: log new generations without an insert trigger.
--
-- Measured on 100,000-row inserts: any AFTER INSERT trigger on `generation`, even one whose WHEN
-- is false, roughly doubled the cost of inserting a row (about 45 µs instead of 20 µs: SQLite
-- runs the trigger as a sub-program with its own frame for every row, and the table has eleven
-- indexes). As step 0005 did for the full-text row, the store now records a finished generation in
-- the change log itself, in the same statement sequence and transaction as the row
-- (GenerationRecord.insert / aroundInsert, through the same `sync_change_input` entry point, so
-- the gate — logging on, not applying another device's changes — and the clock stay in one place).
-- The update and delete triggers stay: they fire only on edits.

DROP TRIGGER IF EXISTS sync_generation_insert;
