#!/usr/bin/env bash
# The demo portal: backend on :7007 (SQLite under .data/, guest sign-in) and frontend on :3000.
# Called by `./dev start` after the bootstrap.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p .data/sqlite

cat <<'MSG'
[dev] Starting the demo portal:
[dev]   frontend  http://localhost:3000   (sign in with "Enter" as the guest user)
[dev]   backend   http://localhost:7007   (vod API at /api/vod, health at /api/vod/health)
[dev] Stop with Ctrl-C.
MSG
exec yarn start "$@"
