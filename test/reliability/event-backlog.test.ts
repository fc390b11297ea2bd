// Event mode over a backlog: 24 blobs written before any replica started and announced by no event (an
// Event Grid subscription created after them), as on a first start over retained flow logs. The
// replica whose reconciliation listing finds them puts one message per blob on the queue instead of
// reading them all, so every replica shares the backlog (and the scale rule sees it); the listing
// does not announce a blob again while its message waits. Once announced, the backlog no longer holds
// the lag back (older data is delivered or queued): the queue's oldest message age shows its wait and
// falls to 0 once it is drained. When the queue cannot take the announcements, the listing reads the
// backlog itself. Azurite's blob and queue services, the bundle as processes.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MESSAGES_PER_BATCH } from "../../forwarder/poll/blob-event-pump";
import { freePort } from "../helpers/azurite";
import { AzuriteQueue } from "../helpers/event-grid";
import type { ForwarderProcess } from "../helpers/forwarder-process";
import { waitFor } from "../helpers/wait-for";
import { GrowingBlobs, report, Rig, secondsSince } from "./fault-harness";

const SEED = 3131;
const BACKLOG_BLOBS = 24;
/** Deadlines that only catch a hang: on a loaded machine an event may take many times its usual time. */
const HANG_MS = 60_000;
const FINISHED = "Poll finished.";
const QUEUE_AGE = "flowlog_queue_oldest_message_age_seconds";
const NOT_ANNOUNCED = "Blob not announced on the queue; the reconciliation reads what it finds itself until the next one.";

let rig: Rig;
let queue: AzuriteQueue;
let blobs: GrowingBlobs;

beforeAll(async () => {
  queue = await AzuriteQueue.start();
  // The shortest reconciliation interval, so the listing replica lists again while the backlog is read.
  rig = await Rig.start({ name: "event-backlog", seed: SEED, env: { BLOB_EVENTS_QUEUE_URL: queue.queueSasUrl(), RECONCILE_INTERVAL_SECONDS: "10" } });
  blobs = new GrowingBlobs(rig, { nsgBlobs: BACKLOG_BLOBS / 2, vnetBlobs: BACKLOG_BLOBS / 2, seed: SEED });
  // No commit listener: no event announces any of this.
  await blobs.create();
  await blobs.grow(4_000, 0);
});

afterAll(async () => {
  await rig?.stop();
  await queue?.stop();
});

async function replica(): Promise<{ process: ForwarderProcess; port: number }> {
  const port = await freePort();
  const process = rig.spawn({ HEALTH_PORT: String(port) });
  await process.waitForLog("that it started in event mode", (l) => l.msg === "Forwarder started." && l.mode === "events");
  return { process, port };
}

/** The reconciliation listings' report lines (event passes carry mode: "events"). */
const listings = (p: ForwarderProcess) => p.logs.filter((l) => l.msg === FINISHED && l.mode === undefined);
/** Tuples a replica read from queue messages. */
const eventTuples = (p: ForwarderProcess) =>
  p.logs.filter((l) => l.msg === FINISHED && l.mode === "events").reduce((sum, l) => sum + (l.tuplesRead as number), 0);

describe("event mode over a backlog", () => {
  it("shares a first start's backlog between 3 replicas: the listing announces every blob, once, instead of reading them", async () => {
    // Why at least two replicas read from the queue, whatever order they start and poll in: while the
    // intake is unreachable, a replica that took a batch (at most MESSAGES_PER_BATCH messages) cannot
    // finish it, so it takes no other. Once more than one batch has left the queue, at least two
    // replicas each hold one; only then does the intake come back, and each delivers what it holds.
    await rig.intake.down();
    const lister = await replica();
    const listing = await lister.process.waitForLog("its first reconciliation listing", (l) => l.msg === FINISHED && l.mode === undefined, HANG_MS);
    // Announced, the backlog is the queue's: the lag counts from the listing, not from the backlog's
    // oldest hour (the previous one), and the queue's oldest message shows how long it waits.
    expect(await rig.metric("flowlog_lag_seconds", "", lister.port)).toBeLessThan(3_600);
    await waitFor("the lister seeing the backlog wait in the queue", async () => (await rig.metric(QUEUE_AGE, "", lister.port)) > 0, HANG_MS, 200);
    const others = [await replica(), await replica()];
    const replicas = [lister, ...others];
    await waitFor(
      "more than one batch of announcements taken while the intake is down",
      async () => (await queue.visible()) < BACKLOG_BLOBS - MESSAGES_PER_BATCH,
      HANG_MS,
      200,
    );
    await rig.intake.up();
    const backAt = Date.now();
    await rig.allDelivered("every backlog tuple delivered", HANG_MS);
    await waitFor("the queue emptied", async () => (await queue.length()) === 0, HANG_MS, 200);
    const { tuples, lost, duplicated } = rig.account();
    // Each pass logs what it read before deleting its messages; the lines may trail the queue by a moment.
    const split = () => replicas.map((r) => eventTuples(r.process));
    await waitFor("every replica's report of what it read from the queue", () => split().reduce((a, b) => a + b, 0) >= tuples, HANG_MS, 100);
    const perReplica = split();
    report({
      fault: "event mode, first start over a backlog of 24 blobs, 3 replicas",
      runs: 3,
      tuples,
      lost,
      duplicated,
      recoverySeconds: secondsSince(backAt),
      split: perReplica,
    });
    expect(lost).toBe(0);
    expect(duplicated).toBe(0);
    expect(listing).toMatchObject({ blobsAnnounced: BACKLOG_BLOBS, blobsRead: 0 });
    expect(
      perReplica.reduce((a, b) => a + b, 0),
      "every tuple read once, from a queue message",
    ).toBe(tuples);
    expect(perReplica.filter((n) => n > 0).length, `tuples read from the queue per replica: ${perReplica.join(", ")}`).toBeGreaterThanOrEqual(2);
    for (const { process } of others) expect(listings(process).every((l) => l.standby === 2)).toBe(true);
    // The lister lists every 10 s: a blob whose message still waits is not announced again.
    expect(await rig.metric("flowlog_storage_requests_total", 'operation="queue_put"', lister.port)).toBe(BACKLOG_BLOBS);
    // Announced messages stay out of the commit-to-ack latency (their time is the listing's).
    for (const { port } of replicas) expect(await rig.metric("flowlog_event_to_ack_seconds_count", "", port)).toBe(0);

    // The queue drained, each replica's next (empty) receive brings the gauge back to 0.
    for (const { port } of replicas)
      await waitFor("the queue's oldest message age back to 0", async () => (await rig.metric(QUEUE_AGE, "", port)) === 0, HANG_MS, 200);
    expect(await rig.metric("flowlog_lag_seconds", "", lister.port)).toBeLessThan(3_600);
    const ready = await rig.get("/readyz", lister.port);
    expect(JSON.parse(ready.body)).toMatchObject({ ready: true, queue: "ok" });
  });

  it("reads a backlog itself when the queue cannot take announcements, losing nothing", async () => {
    await rig.stopProcesses();
    await queue.stop();
    await blobs.grow(2_000, 0);
    const before = rig.account();
    const { process, port } = await replica();
    await rig.allDelivered("every tuple delivered by the listing itself", HANG_MS);
    const listing = await process.waitForLog("its first reconciliation listing", (l) => l.msg === FINISHED && l.mode === undefined, HANG_MS);

    const { tuples, lost, duplicated } = rig.account();
    report({ fault: "event mode, backlog with the queue down", runs: 1, tuples, lost, duplicated: duplicated - before.duplicated, recoverySeconds: 0 });
    expect(lost).toBe(0);
    expect(duplicated - before.duplicated).toBe(0);
    expect(process.logs.filter((l) => l.msg === NOT_ANNOUNCED)).toHaveLength(1);
    expect(listing).toMatchObject({ blobsAnnounced: 0, failures: 0 });
    expect(listing.blobsRead).toBeGreaterThan(0);
    await waitFor(
      "/readyz reporting the queue down",
      async () => (JSON.parse((await rig.get("/readyz", port)).body) as { queue?: string }).queue !== "ok",
      HANG_MS,
      200,
    );
  });

  it("keeps intake keys, SAS signatures and the queue's SAS out of every output", async () => {
    const queueSig = new URL(queue.queueSasUrl()).searchParams.get("sig")!;
    const texts = rig.processes.flatMap((p) => [p.stdout, p.stderr]);
    expect(texts.some((t) => t.includes(queueSig))).toBe(false);
    expect(await rig.leakedSecrets()).toEqual([]);
  });
});
