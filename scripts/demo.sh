#!/usr/bin/env bash
# The main job, end to end: builds darkroom, makes a new library, generates a picture into it with the
# shipped default model, imports the sample pictures, lists the library and shows the generated picture.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "Building darkroom (first build takes a few minutes)…" >&2
# Release, the Swift runtime linked dynamically (SwiftPM's default) and no DWARF in the binary: 24 MB rather
# than 135 MB with --static-swift-stdlib, for ~5 ms more process start (docs/benchmarks.md, "Build").
BUILD=(swift build -c release --product darkroom -Xlinker --strip-debug)
"${BUILD[@]}" 2>&1 | grep -E "error|warning: unre|Compiling darkroom|Build" >&2 || true
"${BUILD[@]}" >/dev/null
BIN="$(swift build -c release --show-bin-path)/darkroom"
LIB="${DARKROOM_DEMO_LIBRARY:-$(mktemp -d)/library}"
echo "+ darkroom init --library $LIB" >&2
"$BIN" init --library "$LIB"
echo "+ darkroom generate \"a red circle above a blue square\" --seed 7   (the shipped default model)" >&2
ID="$("$BIN" generate "a red circle above a blue square" --seed 7 --json --library "$LIB" | sed -n 's/^ *"id" : "\([0-9a-f-]*\)".*/\1/p' | head -n 1)"
echo "generated ${ID:0:8}" >&2
echo "+ darkroom import Fixtures/png/sample-*.png" >&2
"$BIN" import Fixtures/png/sample-*.png --library "$LIB"
echo "+ darkroom list" >&2
"$BIN" list --library "$LIB"
echo "+ darkroom show ${ID:0:8} --image blocks" >&2
"$BIN" show "${ID:0:8}" --image blocks --include-flagged --library "$LIB"
echo "Library: $LIB  (try: $BIN list --library $LIB)" >&2
