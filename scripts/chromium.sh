#!/usr/bin/env bash
# Makes sure Debian's chromium is installed (the browser tests and the install check drive it with
# playwright-core); installs it with apt when missing (this needs root, as on the project's machines).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ -x /usr/bin/chromium ] && exit 0
mkdir -p .ci-out
echo "chromium: installing Debian's chromium" >&2
(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >.ci-out/apt.log 2>&1 ||
  { echo "chromium: could not install it, see .ci-out/apt.log" >&2; exit 1; }
