// BlobDiscovery against Azurite: the first start lists every PT1H.json blob (or those from
// FORWARDER_START_TIME's hour on); later polls list only the hour partitions that can still change, so
// their cost (counted by flowlog_storage_requests_total{operation="list"}) is the same with 5 or 200
// older hours retained; a resource (root) that appears later is found at the next root refresh and
// caught up on whole.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AnonymousCredential, ContainerClient, newPipeline } from "@azure/storage-blob";
import { ForwarderMetrics } from "../../../forwarder/metrics";
import { LIST_PAGE_SIZE } from "../../../forwarder/source/blob-listing";
import { BlobDiscovery, DEFAULT_DISCOVERY_OPTIONS, type Discovery, type DiscoveryState } from "../../../forwarder/source/blob-discovery";
import { parseContainerUrl } from "../../../forwarder/source/container-location";
import { HOUR_MS, hourPartition } from "../../../forwarder/source/hour-partition";
import { containerClient } from "../../../forwarder/source/storage-client";
import { Azurite } from "../../helpers/azurite";
import { nsgBlobName, nsgResourceId, vnetBlobName } from "../../helpers/flow-logs";

let azurite: Azurite;

beforeAll(async () => {
  azurite = await Azurite.start();
});

afterAll(async () => {
  await azurite?.stop();
});

// A fixed "now" keeps hour arithmetic deterministic; discovery only compares it with blob names.
const NOW = Date.UTC(2026, 3, 2, 12, 20);
const CURRENT_HOUR = Date.UTC(2026, 3, 2, 12);
const NSG_A = nsgResourceId("33333333-4444-5555-6666-777777777777", "rg-disc", "nsg-a");
const NSG_B = nsgResourceId("33333333-4444-5555-6666-777777777777", "rg-disc", "nsg-b");
const NSG_ELSEWHERE = nsgResourceId("33333333-4444-5555-6666-777777777777", "rg-other", "nsg-c");
const MAC = "000D3A0D15C0";

let containerCounter = 0;

/** A fresh container holding `names`, and a read-only client on it as the forwarder has. */
async function containerWith(names: string[]): Promise<{ reader: ContainerClient; writer: ContainerClient; name: string }> {
  const name = `disc-${containerCounter++}`;
  await azurite.createContainer(name);
  const writer = azurite.service.getContainerClient(name);
  for (let i = 0; i < names.length; i += 25) {
    await Promise.all(names.slice(i, i + 25).map((n) => writer.getBlockBlobClient(n).upload("{}", 2)));
  }
  return { reader: containerClient(parseContainerUrl(azurite.containerSasUrl(name, "rl"))), writer, name };
}

const blobAt = (root: string, hour: number) => nsgBlobName(root, new Date(hour), MAC);

/** `older` hour partitions ending three hours ago, plus the previous and current hours. */
function history(root: string, older: number): string[] {
  const names = Array.from({ length: older }, (_, i) => blobAt(root, CURRENT_HOUR - (3 + i) * HOUR_MS));
  return [...names, blobAt(root, CURRENT_HOUR - HOUR_MS), blobAt(root, CURRENT_HOUR)];
}

interface ListRequest {
  readonly prefix: string;
  readonly delimiter?: string;
  readonly maxResults: number;
}

/** A read-only client on `container` that records the prefix and delimiter of every list request. */
function recordingClient(container: string): { client: ContainerClient; lists: ListRequest[] } {
  const lists: ListRequest[] = [];
  const pipeline = newPipeline(new AnonymousCredential());
  pipeline.factories.unshift({
    create: (next) => ({
      sendRequest: (request) => {
        const url = new URL(request.url);
        if (url.searchParams.get("comp") === "list") {
          lists.push({
            prefix: url.searchParams.get("prefix") ?? "",
            delimiter: url.searchParams.get("delimiter") ?? undefined,
            maxResults: Number(url.searchParams.get("maxresults")),
          });
        }
        return next.sendRequest(request);
      },
    }),
  });
  return { client: new ContainerClient(azurite.containerSasUrl(container, "rl"), pipeline), lists };
}

async function listRequests(metrics: ForwarderMetrics): Promise<number> {
  return (await metrics.storageRequests.get()).values.find((v) => v.labels.operation === "list")?.value ?? 0;
}

/** State after a complete poll that started at `scannedThrough`. */
function stateAfter(first: Discovery, scannedThrough: number, rootsRefreshedAt: number): DiscoveryState {
  return { scannedThrough: new Date(scannedThrough).toISOString(), roots: first.roots, rootsRefreshedAt: new Date(rootsRefreshedAt).toISOString() };
}

describe("BlobDiscovery", () => {
  it("lists every PT1H.json blob on first start, with its hour, and the roots above the hours", async () => {
    const names = history(NSG_A, 5);
    const { reader, writer } = await containerWith(names);
    await writer.getBlockBlobClient(`resourceId=${NSG_A}/notes.txt`).upload("x", 1);
    const found = await new BlobDiscovery(reader, new ForwarderMetrics()).discover(undefined, undefined, NOW);
    expect(found.blobs.map((b) => b.name).sort()).toEqual(names.slice().sort());
    expect(found.blobs.every((b) => typeof b.etag === "string" && b.hour !== undefined)).toBe(true);
    expect(found.blobs.find((b) => b.name === blobAt(NSG_A, CURRENT_HOUR))?.hour).toBe(CURRENT_HOUR);
    expect(found.roots).toEqual([`resourceId=${NSG_A}/`]);
  });

  it("lists a first start larger than a page whole, one bounded page at a time", async () => {
    const names = history(NSG_A, LIST_PAGE_SIZE + 8);
    const { name } = await containerWith(names);
    const { client, lists } = recordingClient(name);
    const found = await new BlobDiscovery(client, new ForwarderMetrics()).discover(undefined, undefined, NOW);
    expect(found.blobs.map((b) => b.name).sort()).toEqual(names.slice().sort());
    const flat = lists.filter((l) => l.delimiter === undefined);
    expect(flat.map((l) => l.prefix)).toEqual(["", ""]);
    expect(lists.every((l) => l.maxResults === LIST_PAGE_SIZE)).toBe(true);
  });

  it("on first start with FORWARDER_START_TIME skips hour partitions before its hour and keeps its hour", async () => {
    const names = history(NSG_A, 5);
    const { reader } = await containerWith(names);
    const startTime = CURRENT_HOUR - 4 * HOUR_MS + 30 * 60_000; // inside the hour four hours back
    const found = await new BlobDiscovery(reader, new ForwarderMetrics()).discover(undefined, startTime, NOW);
    expect(found.blobs.map((b) => b.hour).sort()).toEqual([CURRENT_HOUR - 4 * HOUR_MS, CURRENT_HOUR - 3 * HOUR_MS, CURRENT_HOUR - HOUR_MS, CURRENT_HOUR]);
  });

  it("later polls list only the hours that can still change: the current and the two before it", async () => {
    const names = history(NSG_A, 5);
    const { reader } = await containerWith(names);
    const first = await new BlobDiscovery(reader, new ForwarderMetrics()).discover(undefined, undefined, NOW - 5 * 60_000);
    const later = await new BlobDiscovery(reader, new ForwarderMetrics()).discover(stateAfter(first, NOW - 5 * 60_000, NOW - 5 * 60_000), undefined, NOW);
    expect(later.blobs.map((b) => b.hour).sort()).toEqual([CURRENT_HOUR - HOUR_MS, CURRENT_HOUR]);
  });

  it("makes as many list requests on a later poll with 200 older hours retained as with 5", async () => {
    const counts: number[] = [];
    const refreshCounts: number[] = [];
    for (const older of [5, 200]) {
      const { reader } = await containerWith(history(NSG_A, older));
      const first = await new BlobDiscovery(reader, new ForwarderMetrics()).discover(undefined, undefined, NOW - 5 * 60_000);
      expect(first.blobs).toHaveLength(older + 2);

      // A poll between root refreshes.
      const metrics = new ForwarderMetrics();
      const later = await new BlobDiscovery(reader, metrics).discover(stateAfter(first, NOW - 5 * 60_000, NOW - 60_000), undefined, NOW);
      expect(later.blobs).toHaveLength(2);
      counts.push(await listRequests(metrics));

      // A poll that also re-walks the roots.
      const refreshMetrics = new ForwarderMetrics();
      const refreshed = await new BlobDiscovery(reader, refreshMetrics).discover(
        stateAfter(first, NOW - 5 * 60_000, NOW - DEFAULT_DISCOVERY_OPTIONS.rootRefreshMs - 1),
        undefined,
        NOW,
      );
      expect(refreshed.blobs).toHaveLength(2);
      refreshCounts.push(await listRequests(refreshMetrics));
    }
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts[1]).toBe(counts[0]);
    expect(refreshCounts[1]).toBe(refreshCounts[0]);
  });

  it("never lists older hours on a later poll: flat listings name an hour that can still change", async () => {
    // One page holds 5,000 names, so a whole-container listing would cost one request here too: the
    // request count alone cannot tell; what each request asks for can.
    const { name } = await containerWith(history(NSG_A, 200));
    const { client, lists } = recordingClient(name);
    const first = await new BlobDiscovery(client, new ForwarderMetrics()).discover(undefined, undefined, NOW - 5 * 60_000);
    expect(lists.filter((l) => l.delimiter === undefined).map((l) => l.prefix)).toEqual([""]);
    lists.length = 0;
    for (const refreshedAt of [NOW - 60_000, 0]) {
      await new BlobDiscovery(client, new ForwarderMetrics()).discover(stateAfter(first, NOW - 5 * 60_000, refreshedAt), undefined, NOW);
    }
    const flat = lists.filter((l) => l.delimiter === undefined);
    expect(flat.length).toBeGreaterThan(0);
    for (const list of flat) {
      const hour = hourPartition(list.prefix)?.hour;
      // The last complete poll was in the current hour: the two hours before it may still get late writes.
      expect(hour, `flat listing of "${list.prefix}"`).toBeGreaterThanOrEqual(CURRENT_HOUR - DEFAULT_DISCOVERY_OPTIONS.lookbackHours * HOUR_MS);
    }
    // The root walk stops at the hour partitions: it never lists below a y= level.
    for (const list of lists.filter((l) => l.delimiter !== undefined)) expect(list.prefix).not.toContain("/y=");
  });

  it("lists the hours since the last complete poll when polls were missed, and each root once past maxHourListings", async () => {
    const { reader } = await containerWith(history(NSG_A, 10));
    const first = await new BlobDiscovery(reader, new ForwarderMetrics()).discover(undefined, undefined, NOW);
    // The last complete poll was five hours ago: hours -7 .. 0 may still hold unread data (its hour
    // and the two before it may have had late writes).
    const state = stateAfter(first, NOW - 5 * HOUR_MS, NOW);
    const found = await new BlobDiscovery(reader, new ForwarderMetrics()).discover(state, undefined, NOW);
    expect(found.blobs.map((b) => (CURRENT_HOUR - b.hour!) / HOUR_MS).sort((a, b) => a - b)).toEqual([0, 1, 3, 4, 5, 6, 7]);
    const metrics = new ForwarderMetrics();
    const wide = await new BlobDiscovery(reader, metrics, { ...DEFAULT_DISCOVERY_OPTIONS, maxHourListings: 2 }).discover(state, undefined, NOW);
    expect(wide.blobs.map((b) => b.name).sort()).toEqual(found.blobs.map((b) => b.name).sort());
    // One listing of the root, and one of its parent for resources beside it.
    expect(await listRequests(metrics)).toBe(2);
  });

  it("catches up at the next poll on a resource beside a known one (another NSG of its resource group)", async () => {
    const { reader, writer } = await containerWith(history(NSG_A, 3));
    const first = await new BlobDiscovery(reader, new ForwarderMetrics()).discover(undefined, undefined, NOW - 5 * 60_000);
    const newRoot = [blobAt(NSG_B, CURRENT_HOUR - 30 * HOUR_MS), blobAt(NSG_B, CURRENT_HOUR)];
    for (const name of newRoot) await writer.getBlockBlobClient(name).upload("{}", 2);

    const discovery = new BlobDiscovery(reader, new ForwarderMetrics());
    const next = await discovery.discover(stateAfter(first, NOW - 5 * 60_000, NOW - 60_000), undefined, NOW);
    expect(next.blobs.map((b) => b.name)).toEqual(expect.arrayContaining(newRoot));
    expect(next.roots).toEqual([`resourceId=${NSG_A}/`, `resourceId=${NSG_B}/`]);
    expect(next.rootsRefreshedAt).toBe(new Date(NOW - 60_000).toISOString());
  });

  it("catches up on a resource elsewhere (another resource group) once the roots are refreshed", async () => {
    const { reader, writer } = await containerWith(history(NSG_A, 3));
    const first = await new BlobDiscovery(reader, new ForwarderMetrics()).discover(undefined, undefined, NOW - 5 * 60_000);
    const newRoot = [blobAt(NSG_ELSEWHERE, CURRENT_HOUR - 30 * HOUR_MS), blobAt(NSG_ELSEWHERE, CURRENT_HOUR)];
    for (const name of newRoot) await writer.getBlockBlobClient(name).upload("{}", 2);

    const notYet = await new BlobDiscovery(reader, new ForwarderMetrics()).discover(stateAfter(first, NOW - 5 * 60_000, NOW - 60_000), undefined, NOW);
    expect(notYet.blobs.map((b) => b.name)).not.toContain(newRoot[0]);

    const refreshed = await new BlobDiscovery(reader, new ForwarderMetrics()).discover(
      stateAfter(first, NOW - 5 * 60_000, NOW - DEFAULT_DISCOVERY_OPTIONS.rootRefreshMs),
      undefined,
      NOW,
    );
    expect(refreshed.blobs.map((b) => b.name)).toEqual(expect.arrayContaining(newRoot));
    expect(refreshed.blobs.filter((b) => b.name === newRoot[1])).toHaveLength(1);
    expect(refreshed.roots).toEqual([`resourceId=${NSG_A}/`, `resourceId=${NSG_ELSEWHERE}/`]);
    expect(refreshed.rootsRefreshedAt).toBe(new Date(NOW).toISOString());
  });

  it("treats a container Azure has not created yet as empty, and catches up at the next poll once it exists", async () => {
    const name = `disc-${containerCounter++}`;
    const reader = containerClient(parseContainerUrl(azurite.containerSasUrl(name, "rl")));
    const first = await new BlobDiscovery(reader, new ForwarderMetrics()).discover(undefined, undefined, NOW - 60_000);
    expect(first).toEqual({ blobs: [], roots: [], rootsRefreshedAt: new Date(NOW - 60_000).toISOString() });

    await azurite.createContainer(name);
    await azurite.service.getContainerClient(name).getBlockBlobClient(blobAt(NSG_A, CURRENT_HOUR)).upload("{}", 2);
    const next = await new BlobDiscovery(reader, new ForwarderMetrics()).discover(stateAfter(first, NOW - 60_000, NOW - 60_000), undefined, NOW);
    expect(next.blobs.map((b) => b.name)).toEqual([blobAt(NSG_A, CURRENT_HOUR)]);
  });

  it("applies the recorded start time when catching up on a new resource", async () => {
    const { reader, writer } = await containerWith(history(NSG_A, 1));
    const first = await new BlobDiscovery(reader, new ForwarderMetrics()).discover(undefined, CURRENT_HOUR - 2 * HOUR_MS, NOW - 5 * 60_000);
    const newRoot = [blobAt(NSG_B, CURRENT_HOUR - 30 * HOUR_MS), blobAt(NSG_B, CURRENT_HOUR - 2 * HOUR_MS)];
    for (const name of newRoot) await writer.getBlockBlobClient(name).upload("{}", 2);
    const refreshed = await new BlobDiscovery(reader, new ForwarderMetrics()).discover(stateAfter(first, NOW - 5 * 60_000, 0), CURRENT_HOUR - 2 * HOUR_MS, NOW);
    const names = refreshed.blobs.map((b) => b.name);
    expect(names).toContain(newRoot[1]);
    expect(names).not.toContain(newRoot[0]);
  });

  it("finds roots of the VNet layout, whose names differ from NSG's", async () => {
    const flowLog =
      "/SUBSCRIPTIONS/33333333-4444-5555-6666-777777777777/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_WESTEUROPE/FLOWLOGS/FL-DISC";
    const names = [vnetBlobName(flowLog, new Date(CURRENT_HOUR - 5 * HOUR_MS), MAC), vnetBlobName(flowLog, new Date(CURRENT_HOUR), MAC)];
    const { reader } = await containerWith(names);
    const first = await new BlobDiscovery(reader, new ForwarderMetrics()).discover(undefined, undefined, NOW - 60_000);
    expect(first.roots).toEqual([`flowLogResourceID=${flowLog}/`]);
    const refreshed = await new BlobDiscovery(reader, new ForwarderMetrics()).discover(stateAfter(first, NOW - 60_000, 0), undefined, NOW);
    expect(refreshed.roots).toEqual(first.roots);
    expect(refreshed.blobs.map((b) => b.name)).toEqual([names[1]]);
  });
});
