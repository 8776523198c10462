// The e2e files in name order, except secrets.e2e.test.ts last: it reads the portal's whole log
// for canary credentials, so it should come after every other file's flows.
const Sequencer = require('@jest/test-sequencer').default;

const last = test => (/secrets\.e2e\.test\.ts$/.test(test.path) ? 1 : 0);

module.exports = class E2eSequencer extends Sequencer {
  sort(tests) {
    return [...tests].sort(
      (a, b) => last(a) - last(b) || a.path.localeCompare(b.path),
    );
  }
};
