#!/usr/bin/env bash
# The whole test suite: installs what it needs, builds in debug mode, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build --build-tests 2>&1 | grep -v "^\[" || true
swift build --build-tests >/dev/null   # fail here (with the errors above) if the build failed
swift test --skip-build 2>&1 | tee .build/test-output.txt
