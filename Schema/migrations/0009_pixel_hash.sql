-- Darkroom library schema, version 9: a picture's pixel hash.
--
-- `image.hash` is the SHA-256 of the file's bytes, so the same picture saved with other metadata (a
-- `darkroom export --no-prompt` copy, a file another program re-saved) has another hash and came back in
-- as a second item. `pixel_hash` is the SHA-256 of the decoded pixels (8-bit RGB, or RGBA when the
-- picture has transparency, after a `WIDTHxHEIGHTxCHANNELS` header: Library.pixelHash), filled when a
-- picture's pixels are read anyway (an export without prompts, an import). Derived from the file, so
-- it is not synced; NULL until known.

ALTER TABLE image ADD COLUMN pixel_hash TEXT;

CREATE INDEX image_pixel_hash ON image (pixel_hash) WHERE pixel_hash IS NOT NULL;
