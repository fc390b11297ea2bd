// Crashes: the service is SIGKILLed at seeded random moments while many flow-log blobs keep growing,
// and restarted each time. Every tuple must arrive; a tuple may arrive twice only if its first copy
// was accepted just before a kill (a batch in flight, acknowledged by the intake but not yet
// checkpointed). A restarted replica holds its own sources again at once (its lease id is stable).

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seededRandom } from "../helpers/seeded-random";
import { GrowingBlobs, report, Rig, secondsSince, sleep } from "./fault-harness";

const SEED = 4101;
const KILLS = 12;
const TUPLES = 54_000;
/** A duplicate's first copy must have been accepted this shortly before a kill. */
const IN_FLIGHT_WINDOW_MS = 5_000;

let rig: Rig;

beforeAll(async () => {
  rig = await Rig.start({ name: "crashes", seed: SEED });
});

afterAll(async () => {
  await rig?.stop();
});

describe("crashes", () => {
  it("delivers every tuple after 12 SIGKILLs at random moments, repeating only batches in flight", async () => {
    const random = seededRandom(SEED);
    const blobs = new GrowingBlobs(rig, { nsgBlobs: 8, vnetBlobs: 6, seed: SEED });
    await blobs.create();
    await blobs.grow(6_000, 0, { tuplesPerRule: 25 });
    const growing = blobs.grow(TUPLES - 6_000, 22_000, { tuplesPerRule: 25 });

    const kills: number[] = [];
    let runsThatDelivered = 0;
    for (let k = 0; k < KILLS; k++) {
      const before = rig.intake.requests.length;
      const service = rig.spawn();
      await sleep(400 + Math.floor(random() * 2_400));
      kills.push(Date.now());
      service.child.kill("SIGKILL");
      await service.exited;
      if (rig.intake.requests.length > before) runsThatDelivered++;
    }
    await growing;
    const restarted = Date.now();
    rig.spawn();
    await rig.allDelivered("every tuple delivered after the last restart", 90_000);
    const recoverySeconds = secondsSince(restarted);

    const { tuples, lost, duplicated, duplicates } = rig.account();
    const arrivals = rig.arrivals();
    const notInFlight = [...new Set(duplicates)].filter((tuple) => {
      const first = arrivals.get(tuple)![0];
      return !kills.some((kill) => first <= kill && kill - first <= IN_FLIGHT_WINDOW_MS);
    });
    report({ fault: "SIGKILL at random moments, blobs growing", runs: KILLS + 1, tuples, lost, duplicated, recoverySeconds, kills: KILLS, runsThatDelivered, blobs: 14 });
    expect(tuples).toBeGreaterThanOrEqual(50_000);
    expect(lost).toBe(0);
    // Most kills must hit a process at work, not one still starting.
    expect(runsThatDelivered).toBeGreaterThanOrEqual(KILLS / 2);
    expect(notInFlight, "duplicates whose first copy was not in flight at a kill").toEqual([]);
  });

  it("keeps intake keys and SAS signatures out of every output and dead letter", async () => {
    expect(await rig.leakedSecrets()).toEqual([]);
  });
});
