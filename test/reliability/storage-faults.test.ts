// Storage faults: the flow-log storage (Azurite, on disk) is stopped and restarted with the same data;
// the checkpoint container (a second Azurite) is briefly unreachable; a blob is deleted (as by a
// lifecycle rule) while the forwarder is downloading it. The service must keep running, report the
// condition in its logs, metrics and /readyz, and resume without losing a tuple.

import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import type { Azurite } from "../helpers/azurite";
import { AzureFlowLogBlob, nsgBlobName, nsgResourceId } from "../helpers/flow-logs";
import type { ForwarderProcess } from "../helpers/forwarder-process";
import { waitFor } from "../helpers/wait-for";
import { GrowingBlobs, NSG, report, Rig, secondsSince, sleep, VNET } from "./fault-harness";
import { StorageProxy } from "./storage-proxy";

const SEED = 4303;
/** The shortest outage; it lasts until the forwarder has reported it, however long that takes. */
const OUTAGE_MS = 6_000;
/** Deadlines that only catch a hang: on a loaded machine an event may take many times its usual time. */
const HANG_MS = 60_000;

let rig: Rig;
let proxy: StorageProxy;
let blobs: GrowingBlobs;
let service: ForwarderProcess;
let appendsPaused = false;

beforeAll(async () => {
  rig = await Rig.start({ name: "storage-faults", seed: SEED, persistent: true, separateCheckpoints: true });
  proxy = await StorageProxy.start(() => rig.azurite.port);
  blobs = new GrowingBlobs(rig, { nsgBlobs: 4, vnetBlobs: 3, seed: SEED });
  await blobs.create();
  service = rig.spawn({
    FLOWLOG_SOURCES: [NSG, VNET].map((c) => proxy.through(rig.azurite.containerSasUrl(c))).join(","),
  });
  await service.waitForLog("that it started", (l) => l.msg === "Forwarder started.");
});

afterAll(async () => {
  await proxy?.stop();
  await rig?.stop();
});

async function readiness(): Promise<Record<string, unknown>> {
  const { status, body } = await rig.get("/readyz");
  return { status, ...(JSON.parse(body) as Record<string, unknown>) };
}

/**
 * Stops `azurite` until /readyz has reported the outage (at least OUTAGE_MS), and resumes it whatever
 * happens: the next tests of the file need it. Returns /readyz and the errors counted during it.
 */
async function outage(azurite: Azurite, what: string, errorArea: string): Promise<{ duringOutage: Record<string, unknown>; errors: number }> {
  await azurite.stop({ graceful: true });
  try {
    const downAt = Date.now();
    await waitFor(`/readyz reporting the ${what} outage`, async () => (await readiness()).status === 503, HANG_MS, 250);
    const duringOutage = await readiness();
    const errors = await rig.metric("flowlog_storage_errors_total", `area="${errorArea}"`);
    await sleep(Math.max(0, downAt + OUTAGE_MS - Date.now()));
    return { duringOutage, errors };
  } finally {
    await azurite.resume();
  }
}

describe("storage faults", () => {
  it("keeps running while the flow-log storage is down, reports it, and resumes without loss", async () => {
    const growing = blobs.grow(6_000, 12_000, { paused: () => appendsPaused });
    await sleep(3_000);
    appendsPaused = true;
    // An append under way when the storage stops would fail (its retries may outlast the restart).
    await blobs.idle();
    const { duringOutage, errors } = await outage(rig.azurite, "storage", "source").finally(() => (appendsPaused = false));
    const upAt = Date.now();
    await growing;
    await rig.allDelivered("every tuple delivered after the storage came back", HANG_MS);
    await waitFor("/readyz ready again", async () => (await readiness()).status === 200, HANG_MS, 250);
    const recoverySeconds = secondsSince(upAt);

    const { tuples, lost, duplicated } = rig.account();
    report({ fault: "flow-log storage (Azurite) stopped 6 s and restarted", runs: 1, tuples, lost, duplicated, recoverySeconds, storageErrors: errors });
    expect(lost).toBe(0);
    expect(service.child.exitCode).toBeNull();
    expect(duringOutage.storage).not.toBe("ok");
    expect(errors).toBeGreaterThan(0);
    expect(service.logs.some((l) => l.msg === "Source not polled; retrying next poll.")).toBe(true);
  });

  it("keeps running while the checkpoint container is unreachable, reports it, and resumes without loss", async () => {
    const before = rig.account();
    const growing = blobs.grow(6_000, 12_000);
    await sleep(3_000);
    const { duringOutage, errors } = await outage(rig.checkpointAzurite, "checkpoint", "checkpoint");
    const upAt = Date.now();
    await growing;
    await rig.allDelivered("every tuple delivered after the checkpoint container came back", HANG_MS);
    await waitFor("/readyz ready again", async () => (await readiness()).status === 200, HANG_MS, 250);
    const recoverySeconds = secondsSince(upAt);

    const { tuples, lost, duplicated } = rig.account();
    report({
      fault: "checkpoint container unreachable 6 s",
      runs: 1,
      tuples,
      lost,
      duplicated: duplicated - before.duplicated,
      recoverySeconds,
      checkpointErrors: errors,
    });
    expect(lost).toBe(0);
    expect(service.child.exitCode).toBeNull();
    expect(duringOutage.checkpoints).not.toBe("ok");
    expect(errors).toBeGreaterThan(0);
    expect(service.logs.some((l) => (l.err as { code?: string } | undefined)?.code === "CHECKPOINT_UNAVAILABLE")).toBe(true);
    // What the intake acknowledged during the outage is kept in memory and stored once the container
    // answers, so nothing is sent again (before: every poll's reads, then one poll's, 560 tuples; then,
    // rarely, 1,440: a write stored as the container stopped, its reply lost, taken for another writer's).
    expect(duplicated - before.duplicated).toBe(0);
  });

  it("goes on with the other blobs when a blob is deleted while being read", async () => {
    const before = rig.account();
    const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
    const resource = nsgResourceId("00000000-0000-0000-0000-00000000f417", "rg-faults", "nsg-0");
    const name = nsgBlobName(resource, hour, "000D3ADE1E7E");
    const doomed = new AzureFlowLogBlob(rig.container(NSG), name);
    const doomedTuples = new Set<string>();
    const held = proxy.holdDownload(name);
    // Released whatever happens, so that a failure here never leaves a download hanging in the proxy.
    onTestFinished(() => held.release());
    const records = Array.from({ length: 20 }, () => rig.generator.nsgRecord(resource, { time: new Date(), mac: "000D3ADE1E7E" }));
    await doomed.append(records.map((r) => r.record));
    for (const r of records) for (const t of r.tuples) doomedTuples.add(t.tuple);

    await held.arrived;
    await rig.container(NSG).deleteBlob(name);
    const deletedAt = Date.now();
    held.release();
    await service.waitForLog(
      "that the blob was deleted while being read",
      (l) => l.blob === name && String(l.msg).includes("deleted while being read"),
      HANG_MS,
    );
    await blobs.grow(2_000, 2_000);
    await rig.allDelivered("every tuple of the other blobs delivered", HANG_MS);
    const recoverySeconds = secondsSince(deletedAt);

    const { tuples, lost, duplicated } = rig.account();
    const doomedDelivered = rig.received().filter((t) => doomedTuples.has(t)).length;
    report({
      fault: "blob deleted while being read",
      runs: 1,
      tuples,
      lost,
      duplicated: duplicated - before.duplicated,
      recoverySeconds,
      deletedBlobTuples: doomedTuples.size,
      deletedBlobTuplesDelivered: doomedDelivered,
    });
    expect(lost).toBe(0);
    expect(service.child.exitCode).toBeNull();
    expect(service.logs.filter((l) => l.blob === name && l.level === "error")).toEqual([]);
  });

  it("keeps intake keys and SAS signatures out of every output and dead letter", async () => {
    expect(await rig.leakedSecrets()).toEqual([]);
  });
});
