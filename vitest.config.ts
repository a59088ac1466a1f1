import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` needs no database engine (`npm run test:unit`); `integration` runs on every
 * engine present, found once by its global setup. `npm test` runs both.
 */
export default defineConfig({
  test: {
    // Integration tests create real databases; give slow engines (a SQL Server container) room.
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // Two cores: one file at a time per worker is plenty, and keeps database load predictable.
    fileParallelism: true,
    maxWorkers: 2,
    minWorkers: 1,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'integration', include: ['test/integration/**/*.test.ts'], globalSetup: ['test/support/global-setup.ts'] } },
    ],
  },
});
