-- Darkroom library schema, version 3: the safety policy's audit trail.
--
-- A flag hides a picture from listings, previews, export and sync without
-- destroying it. Flags are never deleted: clearing one records who cleared it
-- and when. Prompt refusals are recorded too.

CREATE TABLE safety_flag (
    id                TEXT PRIMARY KEY NOT NULL,
    generation_id     TEXT NOT NULL REFERENCES generation (id) ON DELETE CASCADE,
    detector          TEXT NOT NULL,
    detector_version  TEXT NOT NULL,
    score             REAL NOT NULL,
    threshold         REAL NOT NULL,
    action            TEXT NOT NULL DEFAULT 'hide' CHECK (action IN ('hide')),
    reason            TEXT NOT NULL DEFAULT '',
    cleared_at        TEXT,
    cleared_by        TEXT,
    created_at        TEXT NOT NULL,
    modified_at       TEXT NOT NULL
);
CREATE INDEX safety_flag_active ON safety_flag (generation_id) WHERE cleared_at IS NULL;
CREATE INDEX safety_flag_generation ON safety_flag (generation_id);

-- Prompts the policy refused: which rule, when, on which device.
CREATE TABLE policy_event (
    id           TEXT PRIMARY KEY NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('prompt_refused', 'policy_disabled', 'policy_enabled')),
    rule         TEXT NOT NULL DEFAULT '',
    prompt       TEXT NOT NULL DEFAULT '',
    device_id    TEXT,
    created_at   TEXT NOT NULL
);
CREATE INDEX policy_event_created ON policy_event (created_at);
