#!/usr/bin/env bash
# Runs `darkroom generate` N times (default 100) on a library synced with a second one through a folder,
# with `list`, `sync run` and `doctor` running beside each generation, then checks: no job wrongly failed,
# no picture lost, doctor clean, and the paired library identical after a final sync. Prints the counts.
#   bash Benchmarks/concurrency-test.sh [N] [MODEL_DIR]        (BUILD=debug uses the debug build)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-100}"
MODEL="${2:-Fixtures/engine/sd-tiny-conv}"
WORK="$(mktemp -d)"
source Benchmarks/darkroom-binary.sh "$WORK"
A="$WORK/a" B="$WORK/b"
export DARKROOM_KEY_DIR="$WORK/keys"
"$BIN" init --library "$A" >/dev/null; "$BIN" init --library "$B" >/dev/null
"$BIN" sync init --transport "folder:$WORK/shared" --name a --library "$A" >/dev/null
code=$("$BIN" sync pair --library "$A" 2>/dev/null | tail -n 1)
"$BIN" sync join "$code" --transport "folder:$WORK/shared" --name b --library "$B" >/dev/null
"$BIN" sync run --library "$A" >/dev/null; "$BIN" sync run --library "$B" >/dev/null
wrongly=0
for ((i = 0; i < N; i++)); do
  "$BIN" generate "concurrency test $i" --model "$MODEL" --steps 30 --size 32x32 --seed "$i" --library "$A" >/dev/null 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    if "$BIN" list --limit 1 --library "$A" 2>&1 >/dev/null | grep -q interrupted; then wrongly=$((wrongly + 1)); fi
    "$BIN" sync run --library "$A" >/dev/null 2>&1 || true
    "$BIN" doctor --library "$A" >/dev/null 2>&1 || true
  done
  wait "$pid" || true
done
for lib in "$A" "$B" "$A" "$B"; do "$BIN" sync run --library "$lib" >/dev/null; done
count() { "$BIN" list --json --limit 100000 --include-flagged --library "$1" | grep -c "\"status\" : \"$2\"" || true; }
succeeded_a=$(count "$A" succeeded) failed_a=$(count "$A" failed) succeeded_b=$(count "$B" succeeded)
pictures_a=$(find "$A/images" -name '*.png' | wc -l)
doctor=$("$BIN" doctor --library "$A" | sed -n 's/^unreferenced pictures quarantined: //p')
same=no
diff <("$BIN" list --json --limit 100000 --include-flagged --library "$A" | sed "s|$A/||g") \
     <("$BIN" list --json --limit 100000 --include-flagged --library "$B" | sed "s|$B/||g") >/dev/null && same=yes
echo "generations: $N  succeeded on A: $succeeded_a  failed on A: $failed_a  wrongly-failed notes: $wrongly"
echo "pictures on A: $pictures_a  succeeded on B: $succeeded_b  doctor quarantined: $doctor  paired device identical: $same"
[ "$succeeded_a" -eq "$N" ] && [ "$failed_a" -eq 0 ] && [ "$wrongly" -eq 0 ] && [ "$succeeded_b" -eq "$N" ] \
  && [ "$doctor" = "0" ] && [ "$same" = yes ] && echo "PASS" || { echo "FAIL"; exit 1; }
