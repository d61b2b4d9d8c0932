-- Darkroom library schema, version 11: what a generation started from besides its prompt.
--
-- `inputs` is JSON (NULL for text-to-image): the picture an image-to-image or inpainting run started from and
-- its mask (each by picture hash and the gallery item holding it: an input file is imported as an item first,
-- so it is stored content-addressed, synced with its picture and kept by `doctor`), the strength, the LoRAs
-- (name, SHA-256, scale) and textual-inversion embeddings (name, SHA-256) applied, and a single-file
-- checkpoint's tokenizer. It is part of the row every device receives (sync's whole-row change). See
-- docs/imaging.md, "Inputs".

ALTER TABLE generation ADD COLUMN inputs TEXT CHECK (inputs IS NULL OR json_valid(inputs));
