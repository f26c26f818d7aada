// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';

const base = require('./.config/jest.config');
const { grafanaESModules, nodeModulesToTransform } = require('./.config/jest/utils');

// The scaffold transforms .js/.ts(x) only; d3-color (pulled in by @grafana/data) ships .mjs.
const swcTransform = base.transform['^.+\\.(t|j)sx?$'];

module.exports = {
  // Jest configuration provided by Grafana scaffolding
  ...base,
  transform: {
    ...base.transform,
    '^.+\\.mjs$': swcTransform,
  },
  transformIgnorePatterns: [nodeModulesToTransform([...grafanaESModules, '@tanstack'])],
  // Rendering whole pages in jsdom takes seconds on a shared 2-core machine; 5 s (jest's default) flakes.
  testTimeout: 30_000,
  // The test host's own logic (Grafana's proxy semantics) is unit-tested under test/unit.
  testMatch: [...base.testMatch, '<rootDir>/test/unit/**/*.test.{ts,tsx}'],
  // Browser tests run from jest.browser.config.js, against a real Chromium.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/browser/'],
};
