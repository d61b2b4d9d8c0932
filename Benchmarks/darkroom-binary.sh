# Sourced by the scripts in Benchmarks/: builds `darkroom` (release by default; BUILD=debug for the debug
# build; DARKROOM_BIN=PATH uses a binary already built) and sets BIN to a copy of it in the folder $1, so a
# rebuild meanwhile cannot swap it out.
#   source Benchmarks/darkroom-binary.sh FOLDER
if [ -n "${DARKROOM_BIN:-}" ]; then
  BIN="$DARKROOM_BIN"
elif [ "${BUILD:-release}" = debug ]; then
  swift build --product darkroom >/dev/null
  BIN="$(swift build --show-bin-path)/darkroom"
else
  swift build -c release --static-swift-stdlib --product darkroom >/dev/null
  BIN="$(swift build -c release --static-swift-stdlib --show-bin-path)/darkroom"
fi
mkdir -p "$1"
cp "$BIN" "$1/darkroom" && BIN="$1/darkroom"
