-- Darkroom library schema, version 6: the sync change log.
--
-- Every mutation a user can see records, in the same transaction, which field of which
-- synced entity changed, stamped with the device's hybrid logical clock. Sync reads the
-- pending rows, sends the current values of those fields, and marks them pushed. Applying
-- other devices' changes compares clocks field by field (last writer wins by clock, then
-- device id) and never re-logs what it applies (`sync_state.applying`).
--
-- Entities, keys and fields (docs/sync.md "Records"):
--   generation  id                        '*' (the whole row, once finished), favorite, rating, trashed_at, '-' (purged)
--   album       id                        '*', name, '-' (deleted)
--   album_item  album_id/generation_id    present
--   tag_item    generation_id/tag name    present        (tags are identified by name, lower case)
--   setting     key (synced scope only)   value          (a missing row: unset)
--   flag        safety_flag id            '*', cleared
--   device      device id                 name
-- Prompts are not an entity: each device derives them from the generations it holds.

-- One row: whether logging is on, whether changes being applied come from another device,
-- and the clock: milliseconds since 1970 * 65536 + a counter, never going backwards.
CREATE TABLE sync_state (
    singleton  INTEGER PRIMARY KEY CHECK (singleton = 1),
    enabled    INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
    applying   INTEGER NOT NULL DEFAULT 0 CHECK (applying IN (0, 1)),
    clock      INTEGER NOT NULL DEFAULT 0,
    device_id  TEXT
);
INSERT INTO sync_state (singleton) VALUES (1);

-- The newest change of every synced field: who wrote it and when, and whether this device
-- still has to send it. A row with field '-' is a tombstone: the entity was deleted and
-- stays deleted. A tombstone records the log envelope that carried it (log_device,
-- log_sequence) and is collected once every active device's checkpoint covers that envelope.
CREATE TABLE sync_change (
    entity        TEXT NOT NULL,
    key           TEXT NOT NULL,
    field         TEXT NOT NULL,
    clock         INTEGER NOT NULL,
    device        TEXT NOT NULL,
    pending       INTEGER NOT NULL DEFAULT 0 CHECK (pending IN (0, 1)),
    log_device    TEXT,
    log_sequence  INTEGER,
    PRIMARY KEY (entity, key, field)
) WITHOUT ROWID;
CREATE INDEX sync_change_pending ON sync_change (clock) WHERE pending = 1;
CREATE INDEX sync_change_tombstone ON sync_change (log_device, log_sequence) WHERE field = '-';

-- Changes received for an entity this device does not hold yet (another device's log
-- arrived first); applied as soon as the entity arrives.
CREATE TABLE sync_deferred (
    entity   TEXT NOT NULL,
    key      TEXT NOT NULL,
    field    TEXT NOT NULL,
    clock    INTEGER NOT NULL,
    device   TEXT NOT NULL,
    record   BLOB NOT NULL,
    PRIMARY KEY (entity, key, field)
) WITHOUT ROWID;

-- Human names of the library's devices, synced (device cards in the membership carry no names).
CREATE TABLE device (
    id           TEXT PRIMARY KEY NOT NULL,
    name         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    modified_at  TEXT NOT NULL
);

-- Local sync bookkeeping as key/value JSON: the transport, log writer, verifier state, outbox.
CREATE TABLE sync_meta (
    key    TEXT PRIMARY KEY NOT NULL,
    value  BLOB NOT NULL
) WITHOUT ROWID;

-- The single entry point of every logging trigger below: ticks the clock and records the
-- change, unless logging is off or the change is being applied from another device.
CREATE VIEW sync_change_input (entity, key, field) AS SELECT NULL, NULL, NULL WHERE 0;

CREATE TRIGGER sync_change_input_insert INSTEAD OF INSERT ON sync_change_input
WHEN NEW.key IS NOT NULL AND (SELECT enabled AND NOT applying FROM sync_state)
BEGIN
    UPDATE sync_state SET clock = max(clock + 1, CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER) * 65536);
    DELETE FROM sync_change WHERE NEW.field = '-' AND entity = NEW.entity AND key = NEW.key;
    INSERT INTO sync_change (entity, key, field, clock, device, pending)
        SELECT NEW.entity, NEW.key, NEW.field, clock, device_id, 1 FROM sync_state WHERE true
        ON CONFLICT (entity, key, field) DO UPDATE SET clock = excluded.clock, device = excluded.device, pending = 1;
END;

-- The per-field triggers that feed it (generations, albums, memberships, tag items, synced
-- settings, safety flags, device names) are generated from one declaration by schema step 0013
-- (SyncCapture.swift); libraries made before that step had them written out here.
