// Shutdown: SIGTERM while batches are in flight to a slow intake. The service must acknowledge what
// the intake accepts in time, abandon the rest cleanly, store its checkpoints and exit 0 within 20 s;
// the next start delivers everything that was not acknowledged.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Fault } from "../helpers/intake-server";
import { waitFor } from "../helpers/wait-for";
import { GrowingBlobs, report, Rig, secondsSince } from "./fault-harness";

const SEED = 4606;
const EXIT_DEADLINE_MS = 20_000;

let rig: Rig;
let blobs: GrowingBlobs;
/** Delay of every intake answer; 0 for a prompt intake. */
let slowMs = 0;
let arrivals = 0;

function fault(): Fault | undefined {
  arrivals++;
  return slowMs > 0 ? { type: "slow", delayMs: slowMs } : undefined;
}

beforeAll(async () => {
  rig = await Rig.start({ name: "shutdown", seed: SEED, fault });
  blobs = new GrowingBlobs(rig, { nsgBlobs: 3, vnetBlobs: 3, seed: SEED });
  await blobs.create();
});

afterAll(async () => {
  await rig?.stop();
});

async function sigtermWhileInFlight(delayMs: number): Promise<{ exitCode: number | null; exitSeconds: number; restartSeconds: number }> {
  const service = rig.spawn();
  await rig.allDelivered("what was committed before the start", 60_000);
  slowMs = delayMs;
  const arrivedBefore = arrivals;
  await blobs.grow(3_000, 0);
  await waitFor("a batch in flight to the slow intake", () => arrivals > arrivedBefore, 60_000, 20);
  service.child.kill("SIGTERM");
  const signalledAt = Date.now();
  const run = await service.waitForExit(EXIT_DEADLINE_MS + 5_000);
  const exitSeconds = secondsSince(signalledAt);
  slowMs = 0;
  const restartedAt = Date.now();
  const next = rig.spawn();
  await rig.allDelivered("everything delivered by the next start", 60_000);
  const restartSeconds = secondsSince(restartedAt);
  next.child.kill("SIGTERM");
  await next.waitForExit(EXIT_DEADLINE_MS);
  return { exitCode: run.code, exitSeconds, restartSeconds };
}

/** SIGTERM while the intake answers in `delayMs`: reported, and checked to exit 0 in time and lose nothing. */
async function shutdownScenario(delayMs: number): Promise<{ duplicated: number }> {
  const before = rig.account();
  const { exitCode, exitSeconds, restartSeconds } = await sigtermWhileInFlight(delayMs);
  const { tuples, lost, duplicated } = rig.account();
  report({
    fault: `SIGTERM, intake answering in ${delayMs / 1000} s`,
    runs: 2,
    tuples,
    lost,
    duplicated: duplicated - before.duplicated,
    recoverySeconds: restartSeconds,
    exitSeconds,
  });
  expect(exitCode).toBe(0);
  expect(exitSeconds).toBeLessThan(EXIT_DEADLINE_MS / 1000);
  expect(lost).toBe(0);
  return { duplicated: duplicated - before.duplicated };
}

describe("shutdown", () => {
  it("exits 0 after the in-flight batches are acknowledged, and the next start repeats nothing", async () => {
    const { duplicated } = await shutdownScenario(3_000);
    expect(duplicated).toBe(0);
  });

  it("exits 0 within 20 s when the intake is slower than the grace, and the next start loses nothing", async () => {
    await shutdownScenario(25_000);
  });

  it("keeps intake keys and SAS signatures out of every output and dead letter", async () => {
    expect(await rig.leakedSecrets()).toEqual([]);
  });
});
