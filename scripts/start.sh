#!/usr/bin/env bash
# The demo portal: the VOD simulator on :18080, the backend on :7007 (SQLite under .data/, guest
# sign-in) and the frontend on :3000. Called by `./dev start` after the bootstrap, and by the
# browser tests (scripts/e2e.sh). Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p .data/sqlite

# The demo account. These are made-up values that only the local simulator accepts; a real
# deployment sets real ones in its environment (never in a committed file).
export VOD_SIMULATOR_PORT="${VOD_SIMULATOR_PORT:-18080}"
export VOD_ENDPOINT="${VOD_ENDPOINT:-http://127.0.0.1:$VOD_SIMULATOR_PORT}"
export VOD_PROJECT_ID="${VOD_PROJECT_ID:-0123456789abcdef0123456789abcdef}"
export VOD_ACCESS_KEY_ID="${VOD_ACCESS_KEY_ID:-DEMOACCESSKEYID00001}"
export VOD_SECRET_ACCESS_KEY="${VOD_SECRET_ACCESS_KEY:-demo-secret-for-the-local-vod-simulator}"

yarn workspace @mediaops/vod-simulator start &
simulator=$!
trap 'kill "$simulator" 2>/dev/null || true' EXIT

cat <<MSG
[dev] Starting the demo portal:
[dev]   frontend       http://localhost:3000   (sign in with "Enter" as the guest user)
[dev]   backend        http://localhost:7007   (vod API at /api/vod, health at /api/vod/health)
[dev]   VOD simulator  $VOD_ENDPOINT   (admin: /admin/calls, /admin/faults, /admin/reset)
[dev] Stop with Ctrl-C.
MSG
yarn start "$@"
