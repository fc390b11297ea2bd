// Intake faults: the loopback intake answers a seeded share of requests with 503, 429 with
// Retry-After, a connection reset or an answer slower than SEKOIA_REQUEST_TIMEOUT_SECONDS, and is then
// down entirely for a stretch. Nothing may be lost, a retry after a 429 must wait its Retry-After,
// the request rate while the intake is down must stay low (no spinning), and flowlog_lag_seconds must
// show the backlog and come back down. (Readiness is about storage and checkpoints, not the intake:
// an intake outage shows in the lag and the retry counters.)

import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import type { Fault } from "../helpers/intake-server";
import { seededRandom } from "../helpers/seeded-random";
import { waitFor } from "../helpers/wait-for";
import { GrowingBlobs, report, Rig, secondsSince, sleep } from "./fault-harness";

const SEED = 4202;
const RETRY_AFTER_SECONDS = 2;
/** The shortest outage; it lasts until /readyz has reported it, however long that takes. */
const OUTAGE_MS = 10_000;
/** Deadlines that only catch a hang: on a loaded machine an event may take many times its usual time. */
const HANG_MS = 60_000;

let rig: Rig;
const faultRandom = seededRandom(SEED);
let faultsOn = false;

const FAULTS: readonly Fault[] = [
  { type: "status", status: 503 },
  { type: "status", status: 429, retryAfter: String(RETRY_AFTER_SECONDS) },
  { type: "reset" },
  { type: "slow", delayMs: 1_600 },
];
let faultsInjected = 0;

/** A seeded 30 % of the requests fail, taking turns through 503, 429 with Retry-After, reset and slow. */
function fault(): Fault | undefined {
  if (!faultsOn || faultRandom() >= 0.3) return undefined;
  return FAULTS[faultsInjected++ % FAULTS.length];
}

beforeAll(async () => {
  rig = await Rig.start({ name: "intake-faults", seed: SEED, fault, env: { SEKOIA_REQUEST_TIMEOUT_SECONDS: "1" } });
});

afterAll(async () => {
  await rig?.stop();
});

describe("intake faults", () => {
  it("loses nothing to 503s, 429s, resets and slow answers, and waits out every Retry-After", async () => {
    const blobs = new GrowingBlobs(rig, { nsgBlobs: 4, vnetBlobs: 3, seed: SEED });
    await blobs.create();
    faultsOn = true;
    onTestFinished(() => void (faultsOn = false));
    rig.spawn();
    const started = Date.now();
    await blobs.grow(12_000, 15_000);
    await rig.allDelivered("every tuple delivered through the faults", 90_000);
    faultsOn = false;
    const recoverySeconds = secondsSince(started) - 15;

    const requests = rig.intake.requests;
    const early = requests.flatMap((r, i) => {
      if (r.status !== 429) return [];
      const retry = requests.slice(i + 1).find((later) => later.digest === r.digest);
      return retry && retry.at - r.at < RETRY_AFTER_SECONDS * 1000 - 50 ? [{ waitedMs: retry.at - r.at }] : [];
    });
    const count = (status: number | "reset") => requests.filter((r) => r.status === status).length;
    const { tuples, lost, duplicated } = rig.account();
    const timeouts = await rig.metric("flowlog_retries_total", 'reason="timeout"');
    report({
      fault: "intake 503 / 429 Retry-After / reset / slow",
      runs: 1,
      tuples,
      lost,
      duplicated,
      recoverySeconds: Math.max(0, Math.round(recoverySeconds * 10) / 10),
      requests: requests.length,
      http503: count(503),
      http429: count(429),
      resets: count("reset"),
      timeouts,
      faultsInjected,
    });
    expect(lost).toBe(0);
    expect(faultsInjected).toBeGreaterThanOrEqual(FAULTS.length);
    expect(timeouts).toBeGreaterThan(0);
    expect(early, "retries sooner than Retry-After").toEqual([]);
    // Only requests the intake accepted after the client had timed out may repeat.
    const acceptedLate = requests.filter((r) => r.status === 200).length - (await rig.metric("flowlog_batches_total", 'outcome="delivered"'));
    expect(duplicated === 0 || acceptedLate > 0).toBe(true);
  });

  it("does not spin while the intake is down, shows the backlog in flowlog_lag_seconds and /readyz, and recovers", async () => {
    const blobs = new GrowingBlobs(rig, { nsgBlobs: 4, vnetBlobs: 3, seed: SEED + 1 });
    const before = rig.account();
    const lagBefore = await rig.metric("flowlog_lag_seconds");
    const retriesBefore = await rig.metric("flowlog_retries_total", 'reason="network"');
    let lagDuringOutage: number;
    let readyDuringOutage: { status: number; body: string };
    let attemptsWhileDown: number;
    let outageSeconds: number;
    await rig.intake.down();
    try {
      const downAt = Date.now();
      await blobs.grow(4_000, OUTAGE_MS - 1_000);
      await sleep(Math.max(0, downAt + OUTAGE_MS - Date.now()));
      // The sink reports the intake from a batch's third failed attempt: wait for that, not for a time.
      await waitFor("/readyz reporting the intake outage", async () => (await rig.get("/readyz")).status === 503, HANG_MS, 250);
      lagDuringOutage = await rig.metric("flowlog_lag_seconds");
      readyDuringOutage = await rig.get("/readyz");
      attemptsWhileDown = (await rig.metric("flowlog_retries_total", 'reason="network"')) - retriesBefore;
      outageSeconds = (Date.now() - downAt) / 1000;
    } finally {
      await rig.intake.up();
    }
    const upAt = Date.now();
    await rig.allDelivered("every tuple committed during the outage delivered after it", 90_000);
    const deliveredAfter = secondsSince(upAt);
    await waitFor("flowlog_lag_seconds back under 5 s", async () => (await rig.metric("flowlog_lag_seconds")) < 5, HANG_MS, 500);
    const recoverySeconds = secondsSince(upAt);
    await waitFor("/readyz ready again", async () => (await rig.get("/readyz")).status === 200, HANG_MS, 500);

    const { tuples, lost, duplicated } = rig.account();
    const attemptsPerSecond = Math.round((attemptsWhileDown / outageSeconds) * 100) / 100;
    report({
      fault: "intake down for 10 s",
      runs: 1,
      tuples,
      lost,
      duplicated: duplicated - before.duplicated,
      recoverySeconds,
      deliveredAfterSeconds: deliveredAfter,
      attemptsWhileDown,
      attemptsPerSecond,
      lagBefore,
      lagDuringOutage,
    });
    expect(lost).toBe(0);
    // Two sinks with four batches each, backing off from 1 s: a spin would make thousands.
    expect(attemptsWhileDown).toBeGreaterThan(0);
    expect(attemptsPerSecond).toBeLessThanOrEqual(4);
    expect(lagDuringOutage).toBeGreaterThanOrEqual(OUTAGE_MS / 1000 - 2);
    expect(lagDuringOutage).toBeGreaterThan(lagBefore);
    expect(readyDuringOutage.status).toBe(503);
    expect((JSON.parse(readyDuringOutage.body) as { intake: string }).intake).toMatch(/intake failing for \d+ s \(network\)/);
  });

  it("keeps intake keys and SAS signatures out of every output and dead letter", async () => {
    expect(await rig.leakedSecrets()).toEqual([]);
  });
});
