-- Darkroom library schema, version 4: the persistent job queue and variations.
--
-- A queued job must say which model folder runs it (model_id is only the
-- folder's name), and a variation records the second seed mixed into its
-- initial noise and how strongly (A1111's "variation seed" and "strength").

ALTER TABLE generation ADD COLUMN model_path TEXT;
ALTER TABLE generation ADD COLUMN variation_seed INTEGER;
ALTER TABLE generation ADD COLUMN variation_strength REAL
    CHECK (variation_strength IS NULL OR (variation_strength >= 0 AND variation_strength <= 1));

-- The queue is read oldest first.
CREATE INDEX generation_queue ON generation (queued_at, id) WHERE status = 'queued';
