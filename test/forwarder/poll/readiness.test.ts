// Readiness decides from the error alone which dependency /readyz blames: the one a ForwarderError
// names, storage for an error of the storage SDK itself, and none while the forwarder shuts down.

import { describe, expect, it } from "vitest";
import { CheckpointUnavailableError, IntakeKeyRejectedError, ShuttingDownError } from "../../../forwarder/errors";
import { ForwarderMetrics } from "../../../forwarder/metrics";
import { Readiness } from "../../../forwarder/poll/readiness";

async function sourceErrors(metrics: ForwarderMetrics): Promise<number> {
  return (await metrics.storageErrors.get()).values.find((v) => v.labels.area === "source")?.value ?? 0;
}

describe("Readiness", () => {
  it("blames the dependency a forwarder error names, with its message", () => {
    const readiness = new Readiness(new ForwarderMetrics());
    readiness.observe(new IntakeKeyRejectedError("nsg", 403));
    readiness.observe(new CheckpointUnavailableError("store v1/x.json", new Error("socket hang up")));
    expect(readiness.ready).toBe(false);
    expect(readiness.report()).toEqual({
      storage: "ok",
      checkpoints: "The checkpoint container (CHECKPOINT_URL) could not store v1/x.json: socket hang up.",
      intake: new IntakeKeyRejectedError("nsg", 403).message,
    });
  });

  it("blames the flow-log storage for an error of the storage SDK, and counts it", async () => {
    const metrics = new ForwarderMetrics();
    const readiness = new Readiness(metrics);
    readiness.observe(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:10000"), { code: "ECONNREFUSED" }));
    expect(readiness.failing("storage")).toBe(true);
    expect(await sourceErrors(metrics)).toBe(1);
  });

  it("blames nothing for a shutdown", async () => {
    const metrics = new ForwarderMetrics();
    const readiness = new Readiness(metrics);
    readiness.observe(new ShuttingDownError());
    expect(readiness.ready).toBe(true);
    expect(await sourceErrors(metrics)).toBe(0);
  });

  it("is ready again once each failing dependency answered", () => {
    const readiness = new Readiness(new ForwarderMetrics());
    readiness.fail("intake", "nsg intake failing for 12 s (http_503); retrying");
    readiness.observe(new Error("socket hang up"));
    readiness.ok("intake");
    expect(readiness.ready).toBe(false);
    readiness.ok("storage");
    expect(readiness.ready).toBe(true);
  });
});
