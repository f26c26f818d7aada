import { defineConfig } from 'vitest/config';

// One runner for the whole repository. Each package is a project so
// `vitest run --project collector` works, and integration tests (which open
// an embedded ClickHouse) get a generous timeout; nothing here fakes the
// database.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'exporter',
          root: './exporter',
          include: ['test/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'collector',
          root: './collector',
          include: ['test/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Each test file is its own process: chDB binds one data directory per process.
          pool: 'forks',
        },
      },
    ],
  },
});
