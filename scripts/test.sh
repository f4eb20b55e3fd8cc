#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (CTest: unit tests
# and end-to-end tests; those needing ../shared skip cleanly without it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
cd build
ctest --output-on-failure -j"$(nproc)" --timeout 900
