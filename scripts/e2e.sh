#!/usr/bin/env bash
# Browser end-to-end tests: starts the demo portal (scripts/start.sh: simulator, backend, frontend)
# on its usual ports with in-memory SQLite, so every run starts from the demo catalog, runs e2e/ in
# Debian's chromium, and stops the portal.
# Writes Jest's JSON result to .ci-out/e2e.json. Called by scripts/test.sh.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p .ci-out

bash scripts/chromium.sh || exit 1

for port in 3000 7007 18080; do
  if timeout 1 bash -c "</dev/tcp/127.0.0.1/$port" 2>/dev/null; then
    echo "e2e: port $port is taken; stop the running portal first" >&2
    exit 1
  fi
done

export APP_CONFIG_backend_database_connection=':memory:'
# Two static external-access tokens, fresh each run, for e2e/mcp.e2e.test.ts: one for automation
# (the MCP server and the vod API, unrestricted) and one that may only read vod prefetches.
E2E_AUTOMATION_TOKEN=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
E2E_READER_TOKEN=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
export E2E_AUTOMATION_TOKEN E2E_READER_TOKEN
export APP_CONFIG_backend_auth_externalAccess="[
  {\"type\": \"static\", \"options\": {\"token\": \"$E2E_AUTOMATION_TOKEN\", \"subject\": \"e2e-automation\"},
   \"accessRestrictions\": [{\"plugin\": \"mcp-actions\"}, {\"plugin\": \"vod\"}]},
  {\"type\": \"static\", \"options\": {\"token\": \"$E2E_READER_TOKEN\", \"subject\": \"e2e-reader\"},
   \"accessRestrictions\": [{\"plugin\": \"mcp-actions\"}, {\"plugin\": \"vod\", \"permissionAttribute\": {\"action\": \"read\"}}]}
]"
export BROWSER=none
setsid bash scripts/start.sh >.ci-out/e2e-portal.log 2>&1 &
portal=$!
stop_portal() { kill -- -"$portal" 2>/dev/null; wait "$portal" 2>/dev/null; }
trap stop_portal EXIT

wait_for() { # url seconds
  local deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null "$1" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ] || ! kill -0 "$portal" 2>/dev/null; then
      echo "e2e: $1 did not come up; the portal's log:" >&2
      tail -n 40 .ci-out/e2e-portal.log >&2
      return 1
    fi
    sleep 2
  done
}
start=$SECONDS
wait_for http://127.0.0.1:18080/health 120 &&
  wait_for http://localhost:7007/api/vod/health 300 &&
  wait_for http://localhost:3000 300 || exit 1
echo "e2e: portal up after $((SECONDS - start)) s" >&2

yarn jest --config e2e/jest.config.js --json --outputFile=.ci-out/e2e.json
