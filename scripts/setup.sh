#!/usr/bin/env bash
# Installs what rnnc needs from Debian's packages, only where it is missing;
# extra package names on the command line are installed too (bench/run.sh
# --with-torch passes python3-torch).
set -euo pipefail
need=()
# clang-14 and libclang-rt-14-dev: the sanitizer and fuzz build (libFuzzer, ASan, UBSan runtimes).
# chromium: the visualise test loads the program's HTML page in a real browser (headless).
for p in cmake g++ make libfmt-dev doctest-dev libclang-14-dev libclang-cpp14-dev libopenblas-dev clang-14 libclang-rt-14-dev chromium "$@"; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  SUDO=; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
