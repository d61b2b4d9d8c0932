-- Darkroom library schema, version 8: a generation that ends again is logged again.
--
-- Step 0006 logged a generation whole only when it first reached a final status. A job another
-- process wrongly marked failed while it ran (or one recovered as failed and later finished)
-- then succeeded without a new log entry, so the other devices kept "failed" and never got the
-- picture. Now every change between final statuses is logged whole too; the receiving side lets
-- a succeeded generation replace a failed or cancelled one (SyncChangeApplier.completeGeneration).

-- The trigger `sync_generation_finish` with the condition `NEW.status IS NOT OLD.status` is made by step 0013
-- (SyncCapture.swift), which generates every capture trigger; this step only drops the old one.
DROP TRIGGER IF EXISTS sync_generation_finish;
