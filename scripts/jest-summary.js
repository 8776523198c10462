#!/usr/bin/env node
// Prints the plain closing line CI reads, `N passed, N failed`, from Jest's --json output, and
// exits non-zero when a test failed, a suite failed to run, or no test ran at all.
const fs = require('node:fs');

const file = process.argv[2];
let result;
try {
  result = JSON.parse(fs.readFileSync(file, 'utf8'));
} catch (error) {
  console.log('0 passed, 0 failed');
  console.error(`jest-summary: cannot read ${file}: ${error.message}`);
  process.exit(1);
}

const passed = result.numPassedTests;
const failed = result.numFailedTests;
const skipped = result.numPendingTests + result.numTodoTests;
const brokenSuites = result.testResults.filter(
  suite => suite.status === 'failed' && suite.assertionResults.length === 0,
);
for (const suite of brokenSuites) {
  console.error(`jest-summary: suite failed to run: ${suite.name}`);
}

console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
if (failed > 0 || brokenSuites.length > 0 || passed === 0) {
  process.exit(1);
}
