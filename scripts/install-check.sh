#!/usr/bin/env bash
# Installs our published packages into a portal nobody here wrote, and checks it works:
#   1. builds the five packages and packs them with `yarn pack` (what npm would ship);
#   2. creates a brand-new app with @backstage/create-app from the npm registry;
#   3. does only what our READMEs say (scripts/install-check.ts apply), with the tarballs standing
#      in for the registry;
#   4. starts the VOD simulator and the new portal (yarn start), then checks as a user would:
#      /api/vod/health, an authenticated create that reaches VOD, vod:preheat among the
#      scaffolder's actions, the card on an annotated entity in Debian's chromium.
# Run with the repo's toolchain: ./dev run bash scripts/install-check.sh  (about 10 minutes).
# Logs and a screenshot go to .ci-out/install-check*; .ci/run runs it after ./dev test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
OUT=$ROOT/.ci-out/install-check
rm -rf "$OUT" && mkdir -p "$OUT"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vod-install-check.XXXXXX")
export YARN_ENABLE_GLOBAL_CACHE=0 YARN_ENABLE_IMMUTABLE_INSTALLS=false
start=$SECONDS
step() { echo "install-check: [$((SECONDS - start)) s] $*" >&2; }

for port in 3000 7007 18080; do
  if timeout 1 bash -c "</dev/tcp/127.0.0.1/$port" 2>/dev/null; then
    echo "install-check: port $port is taken; stop the running portal first" >&2
    exit 1
  fi
done

bash scripts/chromium.sh

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -- -"$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

step "building and packing the published packages"
yarn tsc >"$OUT/tsc.log" 2>&1 || { tail -n 40 "$OUT/tsc.log" >&2; exit 1; }
mkdir -p "$WORK/tarballs"
for dir in vod-common vod-node vod-backend vod scaffolder-backend-module-vod; do
  (cd "plugins/$dir" && yarn build && yarn pack --out "$WORK/tarballs/$dir.tgz") \
    >>"$OUT/pack.log" 2>&1 || { tail -n 40 "$OUT/pack.log" >&2; exit 1; }
done

step "creating a new app with @backstage/create-app"
(cd "$WORK" && BACKSTAGE_APP_NAME=portal npx --yes @backstage/create-app@latest \
  --skip-install --path "$WORK/portal") >"$OUT/create-app.log" 2>&1 ||
  { tail -n 40 "$OUT/create-app.log" >&2; exit 1; }
PORTAL=$WORK/portal

# create-app's template pins a set of @backstage packages that do not start together (its
# backend-defaults lacks what its signals backend calls) when it cannot fetch its yarn.lock seed;
# `yarn up` brings them to one release line, as a platform team would before adding anything.
step "installing the new app (yarn up '@backstage/*')"
(cd "$PORTAL" && yarn up '@backstage/*') >"$OUT/install.log" 2>&1 ||
  { tail -n 40 "$OUT/install.log" >&2; exit 1; }

step "following our READMEs"
run_ts() { node --require @backstage/cli/config/nodeTransform.cjs scripts/install-check.ts "$@"; }
run_ts apply "$PORTAL" "$WORK/tarballs" >"$OUT/apply.log" 2>&1 ||
  { tail -n 40 "$OUT/apply.log" >&2; exit 1; }
grep '^install-check:' "$OUT/apply.log" >&2

# The README's config names the account through these; here they are the simulator's.
export VOD_ENDPOINT=http://127.0.0.1:18080
export VOD_PROJECT_ID=0123456789abcdef0123456789abcdef
export VOD_ACCESS_KEY_ID=CHECKACCESSKEYID0001
VOD_SECRET_ACCESS_KEY=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
export VOD_SECRET_ACCESS_KEY

step "starting the VOD simulator and the new portal"
# Each in a session of its own, so stopping it stops its children too.
setsid yarn workspace @mediaops/vod-simulator start >"$OUT/simulator.log" 2>&1 &
pids+=($!)
BROWSER=none setsid bash -c 'cd "$1" && exec yarn start' _ "$PORTAL" >"$OUT/portal.log" 2>&1 &
pids+=($!)
wait_for() { # url seconds
  local deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null "$1" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then
      echo "install-check: $1 did not come up; the portal's log:" >&2
      tail -n 60 "$OUT/portal.log" >&2
      exit 1
    fi
    sleep 2
  done
}
wait_for http://127.0.0.1:18080/health 120
wait_for http://localhost:7007/api/vod/health 600
wait_for http://localhost:3000 600

step "checking the portal"
run_ts check http://127.0.0.1:18080 2>&1 | tee "$OUT/check.log" >&2
step "passed"
