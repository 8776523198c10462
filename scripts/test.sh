#!/usr/bin/env bash
# Every check the project has: type check, API reports, lint, format check, every Jest test (on SQLite,
# PostgreSQL and MariaDB), the browser end-to-end tests against the demo portal and the install
# check (our packages in a new portal). Called by `./dev test` (which bootstraps first) and by .ci/run.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export CI=true # Jest would otherwise wait in watch mode
export BACKSTAGE_TEST_DISABLE_DOCKER=1
export BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING="${BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING:-postgresql://postgres@127.0.0.1:5432}"
export BACKSTAGE_TEST_DATABASE_MYSQL8_CONNECTION_STRING="${BACKSTAGE_TEST_DATABASE_MYSQL8_CONNECTION_STRING:-mysql://vodtest:vodtest@127.0.0.1:3306/mysql}"

failed=()
step() { # name command...
  local name=$1 start=$SECONDS
  shift
  echo "::: $name"
  if "$@"; then
    echo "::: $name passed ($((SECONDS - start)) s)"
  else
    echo "::: $name FAILED ($((SECONDS - start)) s)"
    failed+=("$name")
  fi
}

step services bash scripts/services.sh
step tsc yarn tsc
# The published packages' API (their report.api.md, from tsc's dist-types): an export that
# changes without its report, or lacks a release tag or documentation, fails here.
if [[ " ${failed[*]-} " == *" tsc "* ]]; then
  echo "::: api-reports skipped: they read tsc's output"
  failed+=("api-reports")
else
  step api-reports yarn build:api-reports --ci
fi
step lint yarn lint:all
step prettier yarn prettier:check

mkdir -p .ci-out
rm -f .ci-out/jest.json .ci-out/scripts-jest.json .ci-out/e2e.json
step jest yarn test --json --outputFile=.ci-out/jest.json
# The tests of scripts/ (jest-summary.js): no workspace package, so `yarn test` never finds them.
step scripts-jest yarn jest --config scripts/jest.config.js --json --outputFile=.ci-out/scripts-jest.json
step e2e bash scripts/e2e.sh
# Our packed packages in a brand-new create-app portal, installed as the READMEs say (~6 min).
step install-check bash scripts/install-check.sh
# The per-area counts and the closing line CI reads. Fails when a test failed, a suite could not
# run, a result file is missing or ran no test, a database case was skipped (CI is set), or a test
# file of the repo is in none of the results (a package Jest did not take as a project).
node scripts/jest-summary.js --all-test-files-of=. \
  .ci-out/jest.json .ci-out/scripts-jest.json .ci-out/e2e.json | tee .ci-out/summary.txt
[ "${PIPESTATUS[0]}" -eq 0 ] || failed+=("test summary")

if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]}"
else
  echo "All checks passed."
fi
# The counts once more, as the very last line, for CI.
tail -n 1 .ci-out/summary.txt
[ ${#failed[@]} -eq 0 ]
