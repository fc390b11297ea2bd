// Event mode's scan window in a busy estate: some blob always has an append whose event has not come
// yet when a reconciliation lists, so a listing seldom finds every blob delivered. Here no event ever
// comes and the intake is down while each listing runs: the listing hands every changed blob to the
// queue and delivers none, and the source's window (scannedThrough) moves all the same; the next
// listing, on another replica, then lists only the hour partitions from that window on, not every
// retained blob. Nothing is lost or duplicated. Azurite's blob and queue services, the bundle as
// processes; each replica lists once (at start), so its list requests are read without racing a second.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CheckpointStore } from "../../forwarder/checkpoints/checkpoint-store";
import { ForwarderMetrics } from "../../forwarder/metrics";
import { DEFAULT_DISCOVERY_OPTIONS } from "../../forwarder/source/blob-discovery";
import { floorHour, HOUR_MS } from "../../forwarder/source/hour-partition";
import { DEV_ACCOUNT, freePort } from "../helpers/azurite";
import { AzuriteQueue } from "../helpers/event-grid";
import { AzureFlowLogBlob, nsgBlobName, nsgResourceId } from "../helpers/flow-logs";
import type { ForwarderProcess } from "../helpers/forwarder-process";
import { GrowingBlobs, NSG, report, Rig, VNET } from "./fault-harness";

const SEED = 4141;
/** Deadlines that only catch a hang. */
const HANG_MS = 60_000;
const FINISHED = "Poll finished.";
/** Hours before now of a blob delivered long ago: outside any window the listings keep moving. */
const OLD_HOURS = 6;

let rig: Rig;
let queue: AzuriteQueue;
let blobs: GrowingBlobs;
let store: CheckpointStore;

beforeAll(async () => {
  queue = await AzuriteQueue.start();
  // Listing only at start: each replica's list requests are its one listing's.
  rig = await Rig.start({ name: "event-window", seed: SEED, env: { BLOB_EVENTS_QUEUE_URL: queue.queueSasUrl(), RECONCILE_INTERVAL_SECONDS: "3600" } });
  blobs = new GrowingBlobs(rig, { nsgBlobs: 4, vnetBlobs: 4, seed: SEED });
  // No commit listener: every append's event is still to come when the listings run.
  await blobs.create();
  // A blob of hours ago under the same resource as nsg-0: a listing of the whole root would find it.
  const resource = nsgResourceId("00000000-0000-0000-0000-00000000f417", "rg-faults", "nsg-0");
  const hour = new Date(floorHour(Date.now()) - OLD_HOURS * HOUR_MS);
  const old = rig.generator.nsgRecord(resource, { time: hour, mac: "000D3A414199", rules: 2, tuplesPerRule: 10 });
  await new AzureFlowLogBlob(rig.container(NSG), nsgBlobName(resource, hour, "000D3A414199")).append([old.record]);
  for (const t of old.tuples) rig.written.add(t.tuple);
  store = new CheckpointStore(rig.checkpoints, new ForwarderMetrics());
});

afterAll(async () => {
  await rig?.stop();
  await queue?.stop();
});

async function replica(): Promise<{ process: ForwarderProcess; port: number; listing: Record<string, unknown> }> {
  const port = await freePort();
  const process = rig.spawn({ HEALTH_PORT: String(port) });
  const listing = await process.waitForLog("its reconciliation listing", (l) => l.msg === FINISHED && l.mode === undefined, HANG_MS);
  return { process, port, listing };
}

/** Each source's checkpoint as stored. */
async function windows(): Promise<{ scannedThrough: number; roots: readonly string[]; rootsRefreshedAt?: string }[]> {
  return Promise.all(
    [NSG, VNET].map(async (container) => {
      const value = (await store.readSource({ account: DEV_ACCOUNT, container }))?.value;
      expect(value?.scannedThrough, `${container}'s scan window`).toBeDefined();
      return { ...value!, scannedThrough: Date.parse(value!.scannedThrough!) };
    }),
  );
}

describe("event mode's scan window in a busy estate", () => {
  it("moves past blobs handed to the queue, so the next listing lists only the hours since", async () => {
    await rig.intake.down();
    const first = await replica();
    // Every blob announced, none delivered (the intake is down): the window moved all the same.
    expect(first.listing).toMatchObject({ blobsAnnounced: 9, blobsRead: 0, failures: 0 });
    expect(rig.received()).toHaveLength(0);
    const before = await windows();
    // The lag counts from that listing, not from the oldest blob's hour: older data is on the queue.
    expect(await rig.metric("flowlog_lag_seconds", "", first.port)).toBeLessThan(3_600);
    await rig.intake.up();
    await rig.allDelivered("the first listing's blobs delivered from the queue", HANG_MS);
    await rig.stopProcesses();

    // Appends whose events are still to come, found by the next listing while the intake is down.
    await blobs.grow(1_600, 0);
    await rig.intake.down();
    const next = await replica();
    expect(next.listing).toMatchObject({ blobsRead: 0, failures: 0 });
    expect(next.listing.blobsAnnounced).toBeGreaterThan(0);
    const after = await windows();
    const lists = await rig.metric("flowlog_storage_requests_total", 'operation="list"', next.port);
    // The discovery's hour listings (blob-discovery.ts): per source one listing of each roots' parent for
    // new resources beside them, and each root's hour partitions from two hours before the window on.
    const expected = before.reduce((sum, { scannedThrough, roots }, i) => {
      const from = floorHour(scannedThrough) - DEFAULT_DISCOVERY_OPTIONS.lookbackHours * HOUR_MS;
      const hours = (floorHour(after[i].scannedThrough) - from) / HOUR_MS + 1;
      const parents = new Set(roots.map((root) => root.slice(0, root.lastIndexOf("/", root.length - 2) + 1)));
      return sum + parents.size + roots.length * hours;
    }, 0);
    for (const [i, window] of after.entries()) {
      expect(window.scannedThrough).toBeGreaterThan(before[i].scannedThrough);
      // Roots re-walked (every 5 min) would add listings: this test runs well within that.
      expect(window.rootsRefreshedAt).toBe(before[i].rootsRefreshedAt);
    }
    expect(lists).toBe(expected);
    await rig.intake.up();
    await rig.allDelivered("the next listing's blobs delivered from the queue", HANG_MS);

    const { tuples, lost, duplicated } = rig.account();
    report({
      fault: "event mode, listings while every append's event is still to come",
      runs: 2,
      tuples,
      lost,
      duplicated,
      recoverySeconds: 0,
      listRequests: lists,
    });
    expect(lost).toBe(0);
    expect(duplicated).toBe(0);
  });
});
