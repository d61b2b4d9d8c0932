-- Darkroom library schema, version 8: a generation that ends again is logged again.
--
-- Step 0006 logged a generation whole only when it first reached a final status. A job another
-- process wrongly marked failed while it ran (or one recovered as failed and later finished)
-- then succeeded without a new log entry, so the other devices kept "failed" and never got the
-- picture. Now every change between final statuses is logged whole too; the receiving side lets
-- a succeeded generation replace a failed or cancelled one (SyncChangeApplier.completeGeneration).

DROP TRIGGER sync_generation_finish;

CREATE TRIGGER sync_generation_finish AFTER UPDATE OF status ON generation
WHEN NEW.status IN ('succeeded', 'failed', 'cancelled') AND NEW.status IS NOT OLD.status
BEGIN
    INSERT INTO sync_change_input VALUES ('generation', NEW.id, '*');
END;
