// Browser end-to-end tests against a running demo portal (scripts/e2e.sh starts one).
module.exports = {
  rootDir: __dirname,
  testMatch: ['<rootDir>/**/*.e2e.test.ts'],
  testEnvironment: 'node',
  transform: {
    '\\.ts$': require.resolve('@backstage/cli/config/jestSwcTransform'),
  },
  testTimeout: 120_000,
  maxWorkers: 1,
  // Name order, e2e/secrets.e2e.test.ts last (it scans the log of all the others' flows).
  testSequencer: '<rootDir>/sequencer.js',
};
