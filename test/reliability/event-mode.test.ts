// Event mode: replicas share every source and take blob-changed messages from a queue that an Event
// Grid stand-in fills as Azure's would (one base64 BlobCreated event per committed block list), against
// Azurite's blob and queue services and the bundle run as several processes. Every tuple is delivered;
// none twice while its reader lives; a SIGKILLed replica's blobs come back within a lease period;
// lost and duplicated events are covered by the reconciliation listing and by coalescing; and while
// the queue is down, reading goes on by listing and /readyz says so.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../helpers/azurite";
import { AzuriteQueue, EventGridDelivery } from "../helpers/event-grid";
import type { ForwarderProcess } from "../helpers/forwarder-process";
import { waitFor } from "../helpers/wait-for";
import { GrowingBlobs, report, Rig, secondsSince, sleep } from "./fault-harness";

const SEED = 2121;
const LEASE_SECONDS = 30;
/** Deadlines that only catch a hang: on a loaded machine an event may take many times its usual time. */
const HANG_MS = 60_000;
const FINISHED = "Poll finished.";

let rig: Rig;
let queue: AzuriteQueue;
let blobs: GrowingBlobs;
let delivery: EventGridDelivery;

beforeAll(async () => {
  queue = await AzuriteQueue.start();
  // Reconciliation far apart, so the first scenarios show what events alone achieve.
  rig = await Rig.start({ name: "event-mode", seed: SEED, env: { BLOB_EVENTS_QUEUE_URL: queue.queueSasUrl(), RECONCILE_INTERVAL_SECONDS: "3600" } });
  blobs = new GrowingBlobs(rig, { nsgBlobs: 8, vnetBlobs: 8, seed: SEED });
  delivery = new EventGridDelivery(queue, rig.azurite.endpoint, { seed: SEED });
  blobs.onCommit((container, name, etag) => delivery.blobCreated(container, name, etag));
  await blobs.create();
});

afterAll(async () => {
  await rig?.stop();
  await queue?.stop();
});

async function replica(env: Record<string, string> = {}): Promise<{ process: ForwarderProcess; port: number }> {
  const port = await freePort();
  const process = rig.spawn({ HEALTH_PORT: String(port), ...env });
  await process.waitForLog("that it started in event mode", (l) => l.msg === "Forwarder started." && l.mode === "events");
  return { process, port };
}

/** The reconciliation listings' report lines of every replica (event passes carry mode: "events"). */
const listings = () => rig.processes.flatMap((p) => p.logs.filter((l) => l.msg === FINISHED && l.mode === undefined));

/** Tuples a replica read from queue messages (its event passes). */
const eventTuples = (p: ForwarderProcess) =>
  p.logs.filter((l) => l.msg === FINISHED && l.mode === "events").reduce((sum, l) => sum + (l.tuplesRead as number), 0);

describe("event mode", () => {
  it("shares 16 growing blobs between 3 replicas: every tuple delivered, none read twice", async () => {
    const replicas = [await replica(), await replica(), await replica()];
    await blobs.grow(12_000, 12_000);
    await rig.allDelivered("every tuple delivered by the three replicas", HANG_MS);
    await waitFor("the queue emptied", async () => (await queue.length()) === 0, HANG_MS, 200);

    const { tuples, lost, duplicated } = rig.account();
    const split = replicas.map((r) => eventTuples(r.process));
    report({ fault: "event mode, 3 replicas, 16 blobs", runs: 3, tuples, lost, duplicated, recoverySeconds: 0, split });
    expect(lost).toBe(0);
    expect(duplicated).toBe(0);
    expect(split.filter((n) => n > 0).length, `tuples read from events per replica: ${split.join(", ")}`).toBe(3);
    const ready = await rig.get("/readyz", replicas[0].port);
    expect(JSON.parse(ready.body)).toMatchObject({ ready: true, queue: "ok" });
  });

  it("gives a SIGKILLed replica's blobs back within a lease period, duplicating only what it had in flight", async () => {
    const before = rig.account();
    const live = rig.processes.filter((p) => p.child.exitCode === null && p.child.signalCode === null);
    const growing = blobs.grow(8_000, 10_000);
    await sleep(3_000);
    const maxBatch = Math.max(...rig.intake.requests.map((r) => r.events));
    const victim = live[0];
    victim.child.kill("SIGKILL");
    const killedAt = Date.now();
    await victim.exited;
    await growing;
    await rig.allDelivered("every tuple delivered after the kill", LEASE_SECONDS * 1000 + HANG_MS);
    const recovery = secondsSince(killedAt);

    const { tuples, lost, duplicated } = rig.account();
    const newDuplicates = duplicated - before.duplicated;
    report({ fault: "event mode, replica SIGKILLed", runs: 3, tuples, lost, duplicated: newDuplicates, recoverySeconds: recovery, largestBatch: maxBatch });
    expect(lost).toBe(0);
    // What the victim had sent but not checkpointed: at most the batches in flight per sink.
    expect(newDuplicates).toBeLessThanOrEqual(2 * 4 * maxBatch);
  });

  it("covers lost events by reconciliation and reads a blob once however many events name it", async () => {
    await rig.stopProcesses();
    const lossy = new EventGridDelivery(queue, rig.azurite.endpoint, { lose: 0.3, duplicate: 0.5, seed: SEED + 1 });
    blobs.onCommit((container, name, etag) => lossy.blobCreated(container, name, etag));
    const before = rig.account();
    // The listing runs at start, then every 10 s: the lost events' appends are found by it.
    const replicas = [await replica({ RECONCILE_INTERVAL_SECONDS: "10" }), await replica({ RECONCILE_INTERVAL_SECONDS: "10" })];
    await blobs.grow(6_000, 6_000);
    const grownAt = Date.now();
    await rig.allDelivered("every tuple delivered despite lost events", 2 * 10_000 + HANG_MS);

    const { tuples, lost, duplicated } = rig.account();
    report({
      fault: "event mode, 30% events lost, 50% duplicated",
      runs: 2,
      tuples,
      lost,
      duplicated: duplicated - before.duplicated,
      recoverySeconds: secondsSince(grownAt),
      eventsLost: lossy.lost,
      eventsDuplicated: lossy.duplicated,
    });
    expect(lossy.lost).toBeGreaterThan(0);
    expect(lossy.duplicated).toBeGreaterThan(0);
    expect(lost).toBe(0);
    expect(duplicated - before.duplicated).toBe(0);
    // Coalescing: some batch held more messages than blobs.
    const passes = replicas.flatMap((r) => r.process.logs.filter((l) => l.msg === FINISHED && l.mode === "events"));
    expect(passes.some((l) => (l.messages as number) > (l.blobsChanged as number))).toBe(true);
  });

  it("goes on by listing while the queue is down, and says so in /readyz", async () => {
    const [first] = rig.processes.filter((p) => p.child.exitCode === null && p.child.signalCode === null);
    const port = Number(rig.processes.indexOf(first) >= 0 ? first.logs.find((l) => l.msg === "Forwarder started.")!.healthPort : 0);
    await queue.stop();
    delivery.paused = true;
    blobs.onCommit((container, name, etag) => delivery.blobCreated(container, name, etag));
    await waitFor(
      "/readyz reporting the queue down",
      async () => {
        const body = JSON.parse((await rig.get("/readyz", port)).body) as Record<string, unknown>;
        return body.ready === false && typeof body.queue === "string" && body.queue !== "ok";
      },
      HANG_MS,
      200,
    );
    const downAt = Date.now();
    await blobs.grow(3_000, 4_000);
    await rig.allDelivered("every tuple delivered by listing while the queue is down", HANG_MS);
    expect(rig.account().lost).toBe(0);
    // No listing started during the outage announced anything (a put would fail, and a queue known down
    // is not even asked): they read what they found.
    const duringOutage = listings().filter((l) => Date.parse(l.time as string) - (l.durationMs as number) >= downAt);
    expect(duringOutage.every((l) => l.blobsAnnounced === 0)).toBe(true);
    expect(duringOutage.reduce((sum, l) => sum + (l.blobsRead as number), 0)).toBeGreaterThan(0);

    await queue.resume();
    delivery.paused = false;
    await waitFor("/readyz reporting the queue back", async () => JSON.parse((await rig.get("/readyz", port)).body).queue === "ok", HANG_MS, 200);
    await blobs.grow(1_000, 2_000);
    await rig.allDelivered("every tuple delivered once the queue is back", HANG_MS);
  });

  it("keeps intake keys, SAS signatures and the queue's SAS out of every output", async () => {
    const queueSig = new URL(queue.queueSasUrl()).searchParams.get("sig")!;
    const texts = rig.processes.flatMap((p) => [p.stdout, p.stderr]);
    expect(texts.some((t) => t.includes(queueSig))).toBe(false);
    expect(await rig.leakedSecrets()).toEqual([]);
  });
});
