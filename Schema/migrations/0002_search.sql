-- Darkroom library schema, version 2: full-text search.
--
-- generation_search holds, for each generation (rowid = generation.rowid),
-- its prompt, negative prompt, tag names and album names. Triggers keep it
-- current; the backfill at the end indexes libraries made at version 1.

CREATE VIRTUAL TABLE generation_search USING fts5 (
    prompt, negative_prompt, tags, albums,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- The text indexed for one generation, rebuilt from its rows.
CREATE VIEW generation_search_source AS
SELECT g.rowid AS rowid,
       g.prompt AS prompt,
       g.negative_prompt AS negative_prompt,
       coalesce((SELECT group_concat(t.name, ' ') FROM generation_tag gt JOIN tag t ON t.id = gt.tag_id
                 WHERE gt.generation_id = g.id), '') AS tags,
       coalesce((SELECT group_concat(a.name, ' ') FROM album_item ai JOIN album a ON a.id = ai.album_id
                 WHERE ai.generation_id = g.id), '') AS albums,
       g.id AS generation_id
FROM generation g;

CREATE TRIGGER generation_search_insert AFTER INSERT ON generation BEGIN
    INSERT INTO generation_search (rowid, prompt, negative_prompt, tags, albums)
    VALUES (NEW.rowid, NEW.prompt, NEW.negative_prompt, '', '');
END;

CREATE TRIGGER generation_search_update AFTER UPDATE OF prompt, negative_prompt ON generation BEGIN
    DELETE FROM generation_search WHERE rowid = OLD.rowid;
    INSERT INTO generation_search (rowid, prompt, negative_prompt, tags, albums)
    SELECT rowid, prompt, negative_prompt, tags, albums FROM generation_search_source WHERE rowid = NEW.rowid;
END;

CREATE TRIGGER generation_search_delete AFTER DELETE ON generation BEGIN
    DELETE FROM generation_search WHERE rowid = OLD.rowid;
END;

CREATE TRIGGER generation_tag_search_insert AFTER INSERT ON generation_tag BEGIN
    DELETE FROM generation_search WHERE rowid = (SELECT rowid FROM generation WHERE id = NEW.generation_id);
    INSERT INTO generation_search (rowid, prompt, negative_prompt, tags, albums)
    SELECT rowid, prompt, negative_prompt, tags, albums FROM generation_search_source
    WHERE generation_id = NEW.generation_id;
END;

CREATE TRIGGER generation_tag_search_delete AFTER DELETE ON generation_tag BEGIN
    DELETE FROM generation_search WHERE rowid = (SELECT rowid FROM generation WHERE id = OLD.generation_id);
    INSERT INTO generation_search (rowid, prompt, negative_prompt, tags, albums)
    SELECT rowid, prompt, negative_prompt, tags, albums FROM generation_search_source
    WHERE generation_id = OLD.generation_id;
END;

CREATE TRIGGER album_item_search_insert AFTER INSERT ON album_item BEGIN
    DELETE FROM generation_search WHERE rowid = (SELECT rowid FROM generation WHERE id = NEW.generation_id);
    INSERT INTO generation_search (rowid, prompt, negative_prompt, tags, albums)
    SELECT rowid, prompt, negative_prompt, tags, albums FROM generation_search_source
    WHERE generation_id = NEW.generation_id;
END;

CREATE TRIGGER album_item_search_delete AFTER DELETE ON album_item BEGIN
    DELETE FROM generation_search WHERE rowid = (SELECT rowid FROM generation WHERE id = OLD.generation_id);
    INSERT INTO generation_search (rowid, prompt, negative_prompt, tags, albums)
    SELECT rowid, prompt, negative_prompt, tags, albums FROM generation_search_source
    WHERE generation_id = OLD.generation_id;
END;

CREATE TRIGGER tag_search_rename AFTER UPDATE OF name ON tag BEGIN
    DELETE FROM generation_search WHERE rowid IN
        (SELECT g.rowid FROM generation g JOIN generation_tag gt ON gt.generation_id = g.id WHERE gt.tag_id = NEW.id);
    INSERT INTO generation_search (rowid, prompt, negative_prompt, tags, albums)
    SELECT s.rowid, s.prompt, s.negative_prompt, s.tags, s.albums FROM generation_search_source s
    JOIN generation_tag gt ON gt.generation_id = s.generation_id WHERE gt.tag_id = NEW.id;
END;

CREATE TRIGGER album_search_rename AFTER UPDATE OF name ON album BEGIN
    DELETE FROM generation_search WHERE rowid IN
        (SELECT g.rowid FROM generation g JOIN album_item ai ON ai.generation_id = g.id WHERE ai.album_id = NEW.id);
    INSERT INTO generation_search (rowid, prompt, negative_prompt, tags, albums)
    SELECT s.rowid, s.prompt, s.negative_prompt, s.tags, s.albums FROM generation_search_source s
    JOIN album_item ai ON ai.generation_id = s.generation_id WHERE ai.album_id = NEW.id;
END;

-- Index everything a version-1 library already holds.
INSERT INTO generation_search (rowid, prompt, negative_prompt, tags, albums)
SELECT rowid, prompt, negative_prompt, tags, albums FROM generation_search_source;
