import { defineConfig } from "vitest/config";

// Tests start real parts (Azurite, loopback intakes, the forwarder bundle in child processes), so the
// per-test timeout is generous; every wait inside a test has its own shorter deadline.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers: 2,
  },
});
