#!/usr/bin/env bash
# Makes library-v1.sqlite: a library database saved at schema version 1 (0001_initial only),
# with a few rows, so the migration tests can check that every later step upgrades it without loss.
# Run from this folder after adding a migration only if the v1 layout itself must change (it must not:
# migrations are forward-only). Needs the sqlite3 command-line tool.
set -euo pipefail
cd "$(dirname "$0")"
rm -f library-v1.sqlite
sqlite3 library-v1.sqlite <<SQL
$(cat ../../Schema/migrations/0001_initial.sql)
CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
INSERT INTO grdb_migrations VALUES ('0001_initial');
INSERT INTO library_info VALUES (1, 'aaaaaaaa-0000-4000-8000-000000000001', 'dddddddd-0000-4000-8000-000000000001', '2026-11-01 10:00:00.000');
INSERT INTO prompt VALUES ('pppppppp-0000-4000-8000-000000000001', 'a lighthouse at dusk', 'blurry', '2026-11-01 10:00:00.000', '2026-11-02 10:00:00.000', 2, '2026-11-01 10:00:00.000', '2026-11-02 10:00:00.000');
INSERT INTO generation (id, source, prompt_id, prompt, negative_prompt, seed, steps, guidance, scheduler, width, height, model_id, status, queued_at, favorite, rating, created_at, modified_at)
VALUES ('11111111-0000-4000-8000-000000000001', 'generate', 'pppppppp-0000-4000-8000-000000000001', 'a lighthouse at dusk', 'blurry', 42, 8, 4.0, 'dpmpp-2m', 64, 64, 'darkroom-shapes-v1', 'failed', '2026-11-01 10:00:00.000', 1, 4, '2026-11-01 10:00:00.000', '2026-11-01 10:00:00.000'),
       ('11111111-0000-4000-8000-000000000002', 'generate', 'pppppppp-0000-4000-8000-000000000001', 'a lighthouse at dusk', 'blurry', 43, 8, 4.0, 'dpmpp-2m', 64, 64, 'darkroom-shapes-v1', 'cancelled', '2026-11-02 10:00:00.000', 0, 0, '2026-11-02 10:00:00.000', '2026-11-02 10:00:00.000');
INSERT INTO tag VALUES ('tttttttt-0000-4000-8000-000000000001', 'seascape', '2026-11-01 10:00:00.000', '2026-11-01 10:00:00.000');
INSERT INTO generation_tag VALUES ('11111111-0000-4000-8000-000000000001', 'tttttttt-0000-4000-8000-000000000001', '2026-11-01 10:00:00.000');
INSERT INTO album VALUES ('aaaaaaaa-1111-4000-8000-000000000001', 'Harbour', '2026-11-01 10:00:00.000', '2026-11-01 10:00:00.000');
INSERT INTO album_item VALUES ('aaaaaaaa-1111-4000-8000-000000000001', '11111111-0000-4000-8000-000000000002', '2026-11-01 10:00:00.000');
INSERT INTO setting VALUES ('generate.steps', 'synced', '12', '2026-11-01 10:00:00.000', '2026-11-01 10:00:00.000');
SQL
echo "wrote library-v1.sqlite"
