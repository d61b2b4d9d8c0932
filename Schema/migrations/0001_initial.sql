-- Darkroom library schema, version 1: the gallery.
--
-- Conventions (see docs/schema.md):
--   * Every row a user can see has a stable random id (lower-case UUID text)
--     and created_at / modified_at timestamps (UTC, 'YYYY-MM-DD HH:MM:SS.SSS'),
--     so the sync change log can be added without reshaping tables.
--   * Images are content-addressed: the SHA-256 of the file bytes is the key.
--   * A generation row exists for every job, failed and cancelled ones too,
--     and for every imported picture (source = 'import').

-- One row per library file: identity and the device that owns this copy.
CREATE TABLE library_info (
    singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
    library_id  TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

-- Prompt history: one row per distinct (text, negative_text) pair.
CREATE TABLE prompt (
    id             TEXT PRIMARY KEY NOT NULL,
    text           TEXT NOT NULL,
    negative_text  TEXT NOT NULL DEFAULT '',
    first_used_at  TEXT NOT NULL,
    last_used_at   TEXT NOT NULL,
    use_count      INTEGER NOT NULL DEFAULT 0 CHECK (use_count >= 0),
    created_at     TEXT NOT NULL,
    modified_at    TEXT NOT NULL,
    UNIQUE (text, negative_text)
);
CREATE INDEX prompt_last_used ON prompt (last_used_at);

-- Content-addressed picture files under LIBRARY/images/.
CREATE TABLE image (
    hash            TEXT PRIMARY KEY NOT NULL CHECK (length(hash) = 64),
    id              TEXT NOT NULL UNIQUE,
    path            TEXT NOT NULL UNIQUE,
    width           INTEGER NOT NULL CHECK (width > 0),
    height          INTEGER NOT NULL CHECK (height > 0),
    byte_size       INTEGER NOT NULL CHECK (byte_size > 0),
    format          TEXT NOT NULL DEFAULT 'png',
    thumbnail_path  TEXT,
    created_at      TEXT NOT NULL,
    modified_at     TEXT NOT NULL
);

-- One row per job (or imported picture): what was asked, what came out.
CREATE TABLE generation (
    id                TEXT PRIMARY KEY NOT NULL,
    source            TEXT NOT NULL DEFAULT 'generate' CHECK (source IN ('generate', 'import')),
    prompt_id         TEXT REFERENCES prompt (id) ON DELETE SET NULL,
    prompt            TEXT NOT NULL DEFAULT '',
    negative_prompt   TEXT NOT NULL DEFAULT '',
    seed              INTEGER,
    steps             INTEGER,
    guidance          REAL,
    scheduler         TEXT,
    scheduler_config  TEXT,
    width             INTEGER,
    height            INTEGER,
    model_id          TEXT,
    model_hash        TEXT,
    engine_version    TEXT,
    rng_kind          TEXT,
    status            TEXT NOT NULL DEFAULT 'queued'
                      CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    error             TEXT,
    queued_at         TEXT NOT NULL,
    started_at        TEXT,
    finished_at       TEXT,
    duration_ms       INTEGER,
    parent_id         TEXT REFERENCES generation (id) ON DELETE SET NULL,
    batch_id          TEXT,
    batch_index       INTEGER,
    device_id         TEXT,
    image_hash        TEXT REFERENCES image (hash) ON DELETE SET NULL,
    metadata_source   TEXT,
    metadata_json     TEXT,
    favorite          INTEGER NOT NULL DEFAULT 0 CHECK (favorite IN (0, 1)),
    rating            INTEGER NOT NULL DEFAULT 0 CHECK (rating BETWEEN 0 AND 5),
    trashed_at        TEXT,
    created_at        TEXT NOT NULL,
    modified_at       TEXT NOT NULL
);
-- The gallery's pages: newest first, live rows only.
CREATE INDEX generation_live_created ON generation (created_at DESC, id DESC) WHERE trashed_at IS NULL;
CREATE INDEX generation_favorite_created ON generation (created_at DESC, id DESC)
    WHERE favorite = 1 AND trashed_at IS NULL;
CREATE INDEX generation_trashed ON generation (trashed_at) WHERE trashed_at IS NOT NULL;
CREATE INDEX generation_seed ON generation (seed);
CREATE INDEX generation_model ON generation (model_id, created_at);
CREATE INDEX generation_image ON generation (image_hash);
CREATE INDEX generation_parent ON generation (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX generation_batch ON generation (batch_id, batch_index) WHERE batch_id IS NOT NULL;
CREATE INDEX generation_status ON generation (status) WHERE status IN ('queued', 'running');

CREATE TABLE album (
    id           TEXT PRIMARY KEY NOT NULL,
    name         TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(trim(name)) > 0),
    created_at   TEXT NOT NULL,
    modified_at  TEXT NOT NULL
);

CREATE TABLE album_item (
    album_id       TEXT NOT NULL REFERENCES album (id) ON DELETE CASCADE,
    generation_id  TEXT NOT NULL REFERENCES generation (id) ON DELETE CASCADE,
    created_at     TEXT NOT NULL,
    PRIMARY KEY (album_id, generation_id)
) WITHOUT ROWID;
CREATE INDEX album_item_generation ON album_item (generation_id);

CREATE TABLE tag (
    id           TEXT PRIMARY KEY NOT NULL,
    name         TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(trim(name)) > 0),
    created_at   TEXT NOT NULL,
    modified_at  TEXT NOT NULL
);

CREATE TABLE generation_tag (
    generation_id  TEXT NOT NULL REFERENCES generation (id) ON DELETE CASCADE,
    tag_id         TEXT NOT NULL REFERENCES tag (id) ON DELETE CASCADE,
    created_at     TEXT NOT NULL,
    PRIMARY KEY (generation_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX generation_tag_tag ON generation_tag (tag_id);

-- Settings: JSON values, either synced across devices or local to this one.
CREATE TABLE setting (
    key          TEXT NOT NULL,
    scope        TEXT NOT NULL CHECK (scope IN ('synced', 'device')),
    value        TEXT NOT NULL CHECK (json_valid(value)),
    created_at   TEXT NOT NULL,
    modified_at  TEXT NOT NULL,
    PRIMARY KEY (key, scope)
) WITHOUT ROWID;
