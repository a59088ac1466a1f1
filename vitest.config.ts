import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Integration tests create real databases; give slow engines (a SQL Server container) room.
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // Two cores: one file at a time per worker is plenty, and keeps database load predictable.
    fileParallelism: true,
    maxWorkers: 2,
    minWorkers: 1,
  },
});
