#!/usr/bin/env bash
# Kills `darkroom sync run` with SIGKILL at random points, N times (default 100) on each transport
# (a shared folder and `darkroom-relay serve` on loopback), on both devices, with edits on both sides in
# between; then runs a normal sync on each device and checks: both libraries list the same items, doctor
# is clean on both, and the transport holds exactly one blob per picture (none left behind by a killed push).
#   bash Benchmarks/sync-kill-test.sh [N] [PICTURES]        (BUILD=debug uses the debug build)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-100}"
PICTURES="${2:-200}"
WORK="$(mktemp -d)"
source Benchmarks/darkroom-binary.sh "$WORK"
python3 - "$WORK/pictures" "$PICTURES" <<'PY'
import os, struct, sys, zlib
folder, count = sys.argv[1], int(sys.argv[2])
os.makedirs(folder, exist_ok=True)
def chunk(kind, data): return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
for n in range(count):
    rows = b"".join(b"\0" + bytes(((x * 7 + y * 3 + n) % 256) for x in range(48)) for y in range(16))
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 16, 16, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    open(os.path.join(folder, "p%04d.png" % n), "wb").write(png)
PY
fail=0
for transport in folder relay; do
  T="$WORK/$transport"; mkdir -p "$T"
  export DARKROOM_KEY_DIR="$T/keys"
  A="$T/a" B="$T/b"
  if [ "$transport" = relay ]; then
    port=$((20000 + RANDOM % 20000))
    "$RELAY" serve --port "$port" --storage "sqlite:$T/relay.sqlite" 2>"$T/relay.log" & relay=$!
    sleep 1
    spec="http://127.0.0.1:$port"
  else
    spec="folder:$T/shared"
  fi
  "$BIN" init --library "$A" >/dev/null; "$BIN" init --library "$B" >/dev/null
  "$BIN" import "$WORK/pictures" --library "$A" >/dev/null 2>&1
  "$BIN" sync init --transport "$spec" --name a --library "$A" >/dev/null
  code=$("$BIN" sync pair --library "$A" 2>/dev/null | tail -n 1)
  "$BIN" sync join "$code" --transport "$spec" --name b --library "$B" >/dev/null
  "$BIN" sync run --library "$A" >/dev/null 2>&1 || true
  kills=0
  for ((i = 0; i < N; i++)); do
    side=$([ $((RANDOM % 2)) -eq 0 ] && echo "$A" || echo "$B")
    if [ $((i % 10)) -eq 5 ]; then   # an edit on that side, to have something to push
      id=$("$BIN" list --json --limit 1 --offset $((RANDOM % 20)) --library "$side" 2>/dev/null | sed -n 's/^ *"id" : "\([0-9a-f-]*\)".*/\1/p' | head -n 1)
      [ -n "$id" ] && "$BIN" rate "$id" $((RANDOM % 6)) --library "$side" >/dev/null 2>&1 || true
    fi
    "$BIN" sync run --library "$side" >/dev/null 2>&1 & pid=$!
    sleep "0.$(printf '%03d' $((RANDOM % 250)))"
    kill -9 "$pid" 2>/dev/null && kills=$((kills + 1)) || true
    wait "$pid" 2>/dev/null || true
  done
  for lib in "$A" "$B" "$A" "$B"; do "$BIN" sync run --library "$lib" >/dev/null; done
  same=no
  diff <("$BIN" list --json --limit 100000 --include-flagged --library "$A" | sed "s|$A/||g") \
       <("$BIN" list --json --limit 100000 --include-flagged --library "$B" | sed "s|$B/||g") >/dev/null && same=yes
  items=$("$BIN" list --json --limit 100000 --include-flagged --library "$B" | grep -c '"id" :' || true)
  doctor_a=$("$BIN" doctor --library "$A" >/dev/null 2>&1 && echo clean || echo PROBLEMS)
  doctor_b=$("$BIN" doctor --library "$B" >/dev/null 2>&1 && echo clean || echo PROBLEMS)
  if [ "$transport" = relay ]; then
    blobs=$(sqlite3 "$T/relay.sqlite" "SELECT count(*) FROM relay_objects WHERE name LIKE 'blob/%'")
    kill "$relay"; wait "$relay" 2>/dev/null || true
  else
    blobs=$(find "$T/shared" -name '*blob~*' -not -name '.tmp-*' | wc -l)
  fi
  echo "$transport: rounds $N, killed $kills; items on B $items of $PICTURES; identical $same; doctor A $doctor_a, B $doctor_b; blobs $blobs"
  [ "$same" = yes ] && [ "$items" -eq "$PICTURES" ] && [ "$doctor_a" = clean ] && [ "$doctor_b" = clean ] && [ "$blobs" -eq "$PICTURES" ] || fail=1
done
[ "$fail" -eq 0 ] && echo "PASS" || { echo "FAIL"; exit 1; }
