#!/usr/bin/env bash
# Installs our published packages into a portal nobody here wrote, and checks it works:
#   1. builds the five packages and packs them with `yarn pack` (what npm would ship);
#   2. creates a brand-new app with @backstage/create-app from the npm registry;
#   3. does only what our READMEs say (scripts/install-check.ts apply), with the tarballs standing
#      in for the registry;
#   4. starts the VOD simulator and the new portal (yarn start), then checks as a user would:
#      /api/vod/health, an authenticated create that reaches VOD, vod:preheat among the
#      scaffolder's actions, the card on an annotated entity in Debian's chromium, used.
# Run with the repo's toolchain: ./dev run bash scripts/install-check.sh  (about 6 minutes);
# ./dev test runs it after the browser tests. Logs and a screenshot go to .ci-out/install-check/.
#
# The new portal is today's: create-app's latest release and, for its @backstage packages, the
# newest of each (INSTALL_CHECK_CREATE_APP pins another create-app). So a Backstage release that
# breaks our packages fails this check without a commit here, which is the point of it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
OUT=$ROOT/.ci-out/install-check
CREATE_APP=@backstage/create-app@${INSTALL_CHECK_CREATE_APP:-latest}
# Ports of their own, so a demo portal or browser test still stopping cannot answer for this one.
FRONTEND=http://localhost:3100
BACKEND=http://localhost:7107
SIMULATOR_PORT=18180

# The sessions it starts, kept where a later run finds them should this one be killed outright.
PIDS=$ROOT/.ci-out/install-check.pids
stop_sessions() { # pid...
  local pid
  for pid in "$@"; do kill -- -"$pid" 2>/dev/null || true; done
  for _ in $(seq 1 20); do
    local alive=0
    for pid in "$@"; do kill -0 -- -"$pid" 2>/dev/null && alive=1; done
    [ $alive = 1 ] || return 0
    sleep 1
  done
  for pid in "$@"; do kill -KILL -- -"$pid" 2>/dev/null || true; done
}
if [ -f "$PIDS" ]; then # only sessions that still run yarn: a pid may have been reused
  for pid in $(cat "$PIDS"); do
    ps -o args= -p "$pid" 2>/dev/null | grep -q yarn && stop_sessions "$pid"
  done
fi
rm -f "$PIDS"

pids=()
WORK=
cleanup() {
  [ ${#pids[@]} = 0 ] || stop_sessions "${pids[@]}"
  rm -f "$PIDS"
  [ -z "$WORK" ] || rm -rf "$WORK" || true
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

rm -rf "$OUT" && mkdir -p "$OUT"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vod-install-check.XXXXXX")
export YARN_ENABLE_GLOBAL_CACHE=0 YARN_ENABLE_IMMUTABLE_INSTALLS=false
start=$SECONDS
step() { echo "install-check: [$((SECONDS - start)) s] $*" >&2; }
fail_with() { # log
  tail -n 40 "$1" >&2
  echo "install-check: failed; the whole log is $1" >&2
  exit 1
}
run_ts() { node --require @backstage/cli/config/nodeTransform.cjs scripts/install-check.ts "$@"; }

bash scripts/chromium.sh

step "building and packing the published packages"
yarn tsc >"$OUT/tsc.log" 2>&1 || fail_with "$OUT/tsc.log"
mkdir -p "$WORK/tarballs"
for dir in vod-common vod-node vod-backend vod scaffolder-backend-module-vod; do
  (cd "plugins/$dir" && yarn build && yarn pack --out "$WORK/tarballs/$dir.tgz") \
    >>"$OUT/pack.log" 2>&1 || fail_with "$OUT/pack.log"
done

step "creating a new app with $CREATE_APP"
(cd "$WORK" && BACKSTAGE_APP_NAME=portal npx --yes "$CREATE_APP" \
  --skip-install --path "$WORK/portal") >"$OUT/create-app.log" 2>&1 || fail_with "$OUT/create-app.log"
PORTAL=$WORK/portal

# Offline from its yarn.lock seed (as here), create-app's template pins @backstage packages that
# do not start together (its backend-defaults lacks what its newest signals backend calls);
# `yarn up` brings them to one release line, as a platform team would before adding anything.
step "installing the new app (yarn up '@backstage/*')"
(cd "$PORTAL" && yarn up '@backstage/*') >"$OUT/install.log" 2>&1 || fail_with "$OUT/install.log"

step "following our READMEs"
run_ts apply "$PORTAL" "$WORK/tarballs" >"$OUT/apply.log" 2>&1 || fail_with "$OUT/apply.log"
grep '^install-check:' "$OUT/apply.log" >&2 || true

# The README's config names the account through these; here they are the simulator's.
export VOD_SIMULATOR_PORT=$SIMULATOR_PORT
export VOD_ENDPOINT=http://127.0.0.1:$SIMULATOR_PORT
export VOD_PROJECT_ID=0123456789abcdef0123456789abcdef
export VOD_ACCESS_KEY_ID=CHECKACCESSKEYID0001
VOD_SECRET_ACCESS_KEY=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
export VOD_SECRET_ACCESS_KEY
export APP_CONFIG_app_baseUrl=$FRONTEND APP_CONFIG_backend_baseUrl=$BACKEND
export APP_CONFIG_backend_listen_port=${BACKEND##*:} APP_CONFIG_backend_cors_origin=$FRONTEND
export E2E_FRONTEND_URL=$FRONTEND E2E_BACKEND_URL=$BACKEND # for e2e/browser.ts's helpers

for url in "$FRONTEND" "$BACKEND" "$VOD_ENDPOINT"; do
  if curl -s --max-time 5 -o /dev/null "$url"; then
    echo "install-check: something already answers on $url; stop it first" >&2
    exit 1
  fi
done

step "starting the VOD simulator and the new portal"
# Each in a session of its own, so stopping it stops its children too.
setsid yarn workspace @mediaops/vod-simulator start >"$OUT/simulator.log" 2>&1 &
pids+=($!)
BROWSER=none setsid bash -c 'cd "$1" && exec yarn start' _ "$PORTAL" >"$OUT/portal.log" 2>&1 &
pids+=($!)
echo "${pids[@]}" >"$PIDS"
wait_for() { # url seconds log
  local deadline=$((SECONDS + $2))
  until curl -fsS --max-time 10 -o /dev/null "$1" 2>/dev/null; do
    local pid
    for pid in "${pids[@]}"; do
      kill -0 "$pid" 2>/dev/null || { echo "install-check: a process stopped early" >&2; fail_with "$3"; }
    done
    [ $SECONDS -lt $deadline ] || { echo "install-check: $1 did not come up" >&2; fail_with "$3"; }
    sleep 2
  done
}
wait_for "$VOD_ENDPOINT/health" 120 "$OUT/simulator.log"
wait_for "$BACKEND/api/vod/health" 600 "$OUT/portal.log"
wait_for "$FRONTEND" 600 "$OUT/portal.log"

step "checking the portal"
run_ts check "$VOD_ENDPOINT" "$OUT" 2>&1 | tee "$OUT/check.log" >&2
step "passed"
