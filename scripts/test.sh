#!/usr/bin/env bash
# The whole test suite: installs what it needs, builds in debug mode, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The relay tests run on SQLite and on a PostgreSQL server on loopback (scripts/postgres-for-tests.sh).
if [ -z "${DARKROOM_TEST_POSTGRES_URL:-}" ]; then
  if url=$(bash scripts/postgres-for-tests.sh); then
    export DARKROOM_TEST_POSTGRES_URL="$url"
    # The server is ours: one test restarts it while devices write (RelayFaultTests).
    export DARKROOM_TEST_POSTGRES_RESTART="bash scripts/postgres-for-tests.sh restart"
  elif [ "${CI:-}" = "true" ]; then
    echo "PostgreSQL for the relay tests could not be started" >&2; exit 1
  else
    echo "warning: no PostgreSQL; the relay tests run on SQLite only" >&2
  fi
fi
# The C2PA reference implementation judges Content Credentials (Tests/CLITests/C2PAJudge.swift).
if ! python3 -c "import c2pa" 2>/dev/null; then
  python3 -m pip install --quiet --disable-pip-version-check "c2pa-python==0.38.1" >&2 \
    || echo "warning: could not install c2pa-python; the reference checks are skipped" >&2
fi
if [ "${CI:-}" = "true" ]; then
  export DARKROOM_TEST_C2PA=required   # there, a missing judge fails the tests
fi
swift build --build-tests 2>&1 | grep -v "^\[" || true
swift build --build-tests >/dev/null   # fail here (with the errors above) if the build failed
swift test --skip-build 2>&1 | tee .build/test-output.txt
# The embedding example (Examples/GalleryApp): an app's view model using `import Darkroom` alone.
swift build --product darkroom-gallery-example >/dev/null
"$(swift build --show-bin-path)/darkroom-gallery-example"
