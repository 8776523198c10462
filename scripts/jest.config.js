// The tests of the repo's own scripts. scripts/ is no workspace package, so `backstage-cli repo
// test` (whose Jest projects are the workspace packages) never sees them: scripts/test.sh runs
// them with this config, `yarn jest --config scripts/jest.config.js`.
module.exports = {
  rootDir: __dirname,
  testMatch: ['<rootDir>/*.test.js'],
  testEnvironment: 'node',
  transform: {},
};
