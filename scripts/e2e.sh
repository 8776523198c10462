#!/usr/bin/env bash
# Browser end-to-end tests: starts the demo portal (scripts/start.sh: simulator, backend, frontend)
# on its usual ports with in-memory SQLite, so every run starts from the demo catalog, runs e2e/ in
# Debian's chromium, and stops the portal.
# Its VOD accounts (e2e/app-config.e2e.yaml over app-config.yaml) hold canary credentials made
# fresh for each run, and the backend logs at debug level to .ci-out/e2e-portal.log:
# e2e/secrets.e2e.test.ts (run last) looks for the canaries in all it sees, that log included.
# Writes Jest's JSON result to .ci-out/e2e.json. Called by scripts/test.sh. Arguments go to Jest,
# e.g. `bash scripts/e2e.sh secrets` runs e2e/secrets.e2e.test.ts alone.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p .ci-out
# A run that stops before Jest must leave no older result behind for the summary to count.
rm -f .ci-out/e2e.json

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

# Canary credentials, recognisable and fresh each run: the one account of each kind that works
# (AK/SK with a security token; an IAM user's password) and one of each that VOD or IAM refuses.
# The passwords carry characters that URL and form encodings change.
canary() { echo "CANARY-$1-$(od -An -tx1 -N10 /dev/urandom | tr -d ' \n')${2-}"; }
export VOD_ACCESS_KEY_ID E2E_CANARY_AK VOD_SECRET_ACCESS_KEY E2E_CANARY_SK VOD_SECURITY_TOKEN \
  E2E_CANARY_STS E2E_CANARY_PW E2E_CANARY_SK_REFUSED E2E_CANARY_STS_REFUSED E2E_CANARY_PW_REFUSED
E2E_CANARY_AK=$(canary AK) E2E_CANARY_SK=$(canary SK) E2E_CANARY_STS=$(canary STS)
E2E_CANARY_PW=$(canary PW '@+ %') E2E_CANARY_SK_REFUSED=$(canary SK-REFUSED)
E2E_CANARY_STS_REFUSED=$(canary STS-REFUSED) E2E_CANARY_PW_REFUSED=$(canary PW-REFUSED '@+ %')
VOD_ACCESS_KEY_ID=$E2E_CANARY_AK VOD_SECRET_ACCESS_KEY=$E2E_CANARY_SK VOD_SECURITY_TOKEN=$E2E_CANARY_STS
export VOD_PROJECT_ID=0123456789abcdef0123456789abcdef
export E2E_IAM_PROJECT_ID=1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a
export E2E_REFUSED_SK_PROJECT_ID=2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b
export E2E_REFUSED_SK_ACCESS_KEY_ID=E2EREFUSEDSKACCESS01
export E2E_REFUSED_IAM_PROJECT_ID=3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c
# The simulator's side of the same accounts (it takes its accounts from this file): the refused
# ones have another SK (the same security token, so VOD gets as far as the signature) and another
# password. Its assets: the demo catalog's (as packages/vod-simulator/src/main.ts) and one that no
# entity names, for e2e/secrets.e2e.test.ts to prefetch on any account.
VOD_SIMULATOR_CONFIG=$(mktemp "${TMPDIR:-/tmp}/vod-e2e-simulator.XXXXXX.json")
export VOD_SIMULATOR_CONFIG
cat >"$VOD_SIMULATOR_CONFIG" <<JSON
{
  "accounts": [
    { "projectId": "$VOD_PROJECT_ID", "projectName": "cn-north-4",
      "accessKeyId": "$E2E_CANARY_AK", "secretAccessKey": "$E2E_CANARY_SK",
      "securityToken": "$E2E_CANARY_STS" },
    { "projectId": "$E2E_IAM_PROJECT_ID", "projectName": "e2e-iam",
      "accessKeyId": "E2EIAMPROJECTACCESS1", "secretAccessKey": "not-the-portals",
      "iamUsers": [{ "domain": "mediaops", "name": "e2e-iam-user", "password": "$E2E_CANARY_PW" }] },
    { "projectId": "$E2E_REFUSED_SK_PROJECT_ID", "projectName": "e2e-refused-sk",
      "accessKeyId": "$E2E_REFUSED_SK_ACCESS_KEY_ID", "secretAccessKey": "not-the-portals",
      "securityToken": "$E2E_CANARY_STS_REFUSED" },
    { "projectId": "$E2E_REFUSED_IAM_PROJECT_ID", "projectName": "e2e-refused-iam",
      "accessKeyId": "E2EREFUSEDIAMACCESS1", "secretAccessKey": "not-the-portals",
      "iamUsers": [{ "domain": "mediaops", "name": "e2e-refused-user", "password": "not-the-portals" }] }
  ],
  "assets": {
    "f488337c31c8e4622f1590735b134c65": {}, "9db42f5e08c15edecd99a98da241994a": {},
    "9e455adb02295aa123809e8dc7ca51c1": {}, "3c5b0f1e7a2d4b6c8e9f0a1b2c3d4e5f": {},
    "e2e0000000000000000000000000a55e": {}
  }
}
JSON
export LOG_LEVEL=debug
export BROWSER=none
setsid bash scripts/start.sh --config "$PWD/app-config.yaml" --config "$PWD/e2e/app-config.e2e.yaml" \
  >.ci-out/e2e-portal.log 2>&1 &
portal=$!
stop_portal() {
  kill -- -"$portal" 2>/dev/null
  wait "$portal" 2>/dev/null
  rm -f "$VOD_SIMULATOR_CONFIG"
}
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

yarn jest --config e2e/jest.config.js --json --outputFile=.ci-out/e2e.json "$@"
