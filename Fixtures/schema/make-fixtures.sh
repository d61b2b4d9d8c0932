#!/usr/bin/env bash
# Makes library-vN.sqlite for every schema version N before the newest: a library database saved
# at version N (the first N migration files applied) with a few rows, so the migration tests can check
# that every later step upgrades it without loss. Run it once after adding a migration (existing
# fixtures are kept as they are: migrations are forward-only). Needs the sqlite3 command-line tool.
# Step 0013 (the sync capture triggers) is generated in Swift, not a file: a fixture of a version after
# it must be made by opening the previous fixture with the `darkroom` of that version instead.
# library-v12.sqlite was made with this script from the migration files as they were at v12 (git history),
# so it carries the hand-written capture triggers step 0013 replaces.
set -euo pipefail
cd "$(dirname "$0")"
migrations=(../../Schema/migrations/*.sql)
for ((n = 1; n < ${#migrations[@]}; n++)); do
  out="library-v$n.sqlite"
  [ -e "$out" ] && continue
  schema=""; applied=""
  for ((i = 0; i < n; i++)); do
    schema+="$(cat "${migrations[$i]}")"$'\n'
    applied+="INSERT INTO grdb_migrations VALUES ('$(basename "${migrations[$i]}" .sql)');"$'\n'
  done
  sqlite3 "$out" <<SQL
$schema
CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
$applied
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
  echo "wrote $out"
done
