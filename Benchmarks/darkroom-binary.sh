# Sourced by the scripts in Benchmarks/: builds `darkroom` and `darkroom-relay` (release by default;
# BUILD=debug for the debug build; DARKROOM_BIN=PATH uses a darkroom already built, with darkroom-relay
# beside it) and sets BIN and RELAY to copies of them in the folder $1, so a rebuild meanwhile cannot
# swap them out.
#   source Benchmarks/darkroom-binary.sh FOLDER
if [ -n "${DARKROOM_BIN:-}" ]; then
  BIN="$DARKROOM_BIN"
elif [ "${BUILD:-release}" = debug ]; then
  swift build --product darkroom >/dev/null && swift build --product darkroom-relay >/dev/null
  BIN="$(swift build --show-bin-path)/darkroom"
else
  swift build -c release --static-swift-stdlib --product darkroom >/dev/null
  swift build -c release --static-swift-stdlib --product darkroom-relay >/dev/null
  BIN="$(swift build -c release --static-swift-stdlib --show-bin-path)/darkroom"
fi
mkdir -p "$1"
cp "$(dirname "$BIN")/darkroom-relay" "$1/darkroom-relay" && RELAY="$1/darkroom-relay"
cp "$BIN" "$1/darkroom" && BIN="$1/darkroom"
