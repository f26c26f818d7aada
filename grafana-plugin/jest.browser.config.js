/**
 * Browser tests: the plugin's built module.js in Debian's Chromium, against a
 * live collector (see test/browser/support/global-setup.ts).
 */
process.env.TZ = 'UTC';

const unit = require('./jest.config');

module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/browser/**/*.browser.test.ts'],
  transform: unit.transform,
  transformIgnorePatterns: unit.transformIgnorePatterns,
  globalSetup: '<rootDir>/test/browser/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/browser/support/global-teardown.ts',
  testTimeout: 90_000,
  maxWorkers: 1,
};
