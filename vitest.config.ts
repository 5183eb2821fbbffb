import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests start processes and ports; two workers match the 2-core CI machine.
    maxWorkers: 2,
  },
});
