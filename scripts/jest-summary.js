#!/usr/bin/env node
// Prints the plain closing line CI reads, `N passed, N failed`, summed over Jest --json result
// files, and exits non-zero when a test failed, a suite failed to run, a result file is missing
// (its run crashed), or no test ran at all.
const fs = require('node:fs');

let passed = 0;
let failed = 0;
let skipped = 0;
let broken = 0;
for (const file of process.argv.slice(2)) {
  let result;
  try {
    result = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    console.error(`jest-summary: no results in ${file}: ${error.message}`);
    broken += 1;
    continue;
  }
  passed += result.numPassedTests;
  failed += result.numFailedTests;
  skipped += result.numPendingTests + result.numTodoTests;
  for (const suite of result.testResults) {
    if (suite.status === 'failed' && suite.assertionResults.length === 0) {
      console.error(`jest-summary: suite failed to run: ${suite.name}`);
      broken += 1;
    }
  }
}

console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
if (failed > 0 || broken > 0 || passed === 0) {
  process.exit(1);
}
