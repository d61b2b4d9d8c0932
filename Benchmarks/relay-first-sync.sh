#!/usr/bin/env bash
# A first sync of a library of N pictures (default 2000) through `darkroom-relay serve` with its default
# flags: one `sync run` on each device, no manual retry. Prints both runs' times, the items on the second
# device and the relay's blob count (it must equal N). The pictures are generated with the shipped model
# (SOURCE=generate, batches of up to 1,000 seeds) or, by default, 64x64 PNGs of noise (~12 KB each, the
# size of the shipped model's pictures, made in seconds).
#   bash Benchmarks/relay-first-sync.sh [N]        (BUILD=debug: the debug build; DARKROOM_BIN=PATH: a built binary)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-2000}"
WORK="$(mktemp -d)"
source Benchmarks/darkroom-binary.sh "$WORK"
[ "${SOURCE:-noise}" = generate ] || python3 - "$WORK/pictures" "$N" <<'PY'
import os, random, struct, sys, zlib
folder, count = sys.argv[1], int(sys.argv[2])
os.makedirs(folder, exist_ok=True)
rng = random.Random(7)
def chunk(kind, data): return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
for n in range(count):
    rows = b"".join(b"\0" + bytes(rng.getrandbits(8) for _ in range(64 * 3)) for _ in range(64))
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 64, 64, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    open(os.path.join(folder, "p%05d.png" % n), "wb").write(png)
PY
export DARKROOM_KEY_DIR="$WORK/keys"
A="$WORK/a" B="$WORK/b"
port=$((20000 + RANDOM % 20000))
"$RELAY" serve --port "$port" --storage "sqlite:$WORK/relay.sqlite" 2>"$WORK/relay.log" & relay=$!
trap 'kill $relay 2>/dev/null || true' EXIT
sleep 1
"$BIN" init --library "$A" >/dev/null; "$BIN" init --library "$B" >/dev/null
if [ "${SOURCE:-noise}" = generate ]; then
  for ((seed = 0; seed < N; seed += 1000)); do
    count=$((N - seed < 1000 ? N - seed : 1000))
    "$BIN" generate "a red circle above a blue square" --seed "$seed" --count "$count" --library "$A" >/dev/null 2>&1
  done
else
  "$BIN" import "$WORK/pictures" --library "$A" >/dev/null 2>&1
fi
"$BIN" sync init --transport "http://127.0.0.1:$port" --name a --library "$A" >/dev/null
code=$("$BIN" sync pair --library "$A" 2>/dev/null | tail -n 1)
"$BIN" sync join "$code" --transport "http://127.0.0.1:$port" --name b --library "$B" >/dev/null
start=$(date +%s%N); "$BIN" sync run --library "$A" > "$WORK/a.out"; a_ms=$((($(date +%s%N) - start) / 1000000))
start=$(date +%s%N); "$BIN" sync run --library "$B" > "$WORK/b.out"; b_ms=$((($(date +%s%N) - start) / 1000000))
items=$("$BIN" list --json --limit 100000 --include-flagged --library "$B" | grep -c '"id" :' || true)
blobs=$(sqlite3 "$WORK/relay.sqlite" "SELECT count(*) FROM relay_objects WHERE name LIKE 'blob/%'")
echo "pictures: $N  first sync A (push) ${a_ms} ms  B (pull) ${b_ms} ms  items on B: $items  relay blobs: $blobs"
echo "A: $(grep '^Sent' "$WORK/a.out")"
[ "$items" -eq "$N" ] && [ "$blobs" -eq "$N" ] && echo "PASS" || { echo "FAIL"; exit 1; }
