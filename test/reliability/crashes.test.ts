// Crashes: the service is SIGKILLed at seeded random moments of its work (after its first request
// reached the intake) while many flow-log blobs keep growing, and restarted each time. Every tuple
// must arrive; a tuple may arrive twice only if its first copy was accepted by a run that was then
// killed (a batch acknowledged by the intake but not yet checkpointed). A restarted replica holds its
// own sources again at once (its lease id is stable).

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seededRandom } from "../helpers/seeded-random";
import { waitFor } from "../helpers/wait-for";
import { GrowingBlobs, report, Rig, secondsSince, sleep } from "./fault-harness";

const SEED = 4101;
const KILLS = 12;
const TUPLES = 54_000;
/** Committed before each run starts, so that every run has work waiting: its kill falls mid-work. */
const TUPLES_PER_RUN = 2_000;
/** Deadlines that only catch a hang: on a loaded machine an event may take many times its usual time. */
const HANG_MS = 60_000;

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
    const growing = blobs.grow(TUPLES - 6_000 - KILLS * TUPLES_PER_RUN, 22_000, { tuplesPerRule: 25 });

    // Each killed run, from its first request at the intake until the next run starts: a request it
    // sent before the kill may be accepted after it, and no other forwarder runs in between.
    const killed: { from: number; until: number }[] = [];
    for (let k = 0; k < KILLS; k++) {
      await blobs.grow(TUPLES_PER_RUN, 0, { tuplesPerRule: 25 });
      const before = rig.intake.requests.length;
      if (k > 0) killed[k - 1].until = Date.now();
      const service = rig.spawn();
      // Killing a process still starting would test nothing: the kill falls at a seeded moment of its work.
      await waitFor("the run's first request at the intake", () => rig.intake.requests.length > before, HANG_MS);
      const from = rig.intake.requests[before].at;
      await sleep(Math.floor(random() * 2_000));
      killed.push({ from, until: Number.POSITIVE_INFINITY });
      service.child.kill("SIGKILL");
      await service.exited;
    }
    await growing;
    const restarted = Date.now();
    killed[KILLS - 1].until = restarted;
    rig.spawn();
    await rig.allDelivered("every tuple delivered after the last restart", HANG_MS + 30_000);
    const recoverySeconds = secondsSince(restarted);

    const { tuples, lost, duplicated, duplicates } = rig.account();
    const arrivals = rig.arrivals();
    const notInFlight = [...new Set(duplicates)].filter((tuple) => {
      const first = arrivals.get(tuple)![0];
      return !killed.some((run) => run.from <= first && first < run.until);
    });
    report({ fault: "SIGKILL at random moments, blobs growing", runs: KILLS + 1, tuples, lost, duplicated, recoverySeconds, kills: KILLS, blobs: 14 });
    expect(tuples).toBeGreaterThanOrEqual(50_000);
    expect(lost).toBe(0);
    expect(notInFlight, "duplicates whose first copy was not accepted by a run that was then killed").toEqual([]);
  });

  it("keeps intake keys and SAS signatures out of every output and dead letter", async () => {
    expect(await rig.leakedSecrets()).toEqual([]);
  });
});
