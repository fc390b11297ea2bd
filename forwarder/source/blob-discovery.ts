// Finds the PT1H.json blobs a poll must look at, at a cost that does not grow with retained history.
// The first start lists the whole container once (catching up on everything, or from
// FORWARDER_START_TIME). After that a poll lists only the hour partitions that can still change, from
// two hours before the last complete poll's hour to now, under each known root (resource); roots are
// re-discovered every few minutes by walking the names above the hour partitions (and those beside a
// known root at every poll), and a new root is caught up on whole.

import { RestError, type ContainerClient } from "@azure/storage-blob";
import type { ForwarderMetrics } from "../metrics";
import { LIST_PAGE_SIZE, listFlowLogBlobs, type ListedBlob } from "./blob-listing";
import { floorHour, HOUR_MS, hourPath, isYearPrefix } from "./hour-partition";

/** What discovery found before, as the source's checkpoint keeps it; absent on the first start. */
export interface DiscoveryState {
  /** Start of the last poll after which everything it found was delivered. */
  readonly scannedThrough?: string;
  /** Blob-name prefixes above the hour partitions (one per resource), as last discovered. */
  readonly roots: readonly string[];
  readonly rootsRefreshedAt?: string;
}

export interface Discovery {
  readonly blobs: ListedBlob[];
  readonly roots: string[];
  readonly rootsRefreshedAt: string;
}

export interface DiscoveryOptions {
  /** How often known roots are re-walked to find new resources. */
  readonly rootRefreshMs: number;
  /** Past this many hour partitions per root, one listing of the root is cheaper. */
  readonly maxHourListings: number;
  /**
   * Hours before the last complete poll's hour that are listed again: Azure appends an hour's last
   * minutes after the hour ends, and a late write to an hour no longer listed would never be read.
   */
  readonly lookbackHours: number;
  /** Deepest name level searched for roots. */
  readonly maxDepth: number;
}

export const DEFAULT_DISCOVERY_OPTIONS: DiscoveryOptions = { rootRefreshMs: 300_000, maxHourListings: 48, maxDepth: 24, lookbackHours: 2 };

export class BlobDiscovery {
  /** Prefixes beside roots found to hold no hour partitions, so they are not listed again. */
  private readonly notRoots = new Set<string>();

  constructor(
    private readonly container: ContainerClient,
    private readonly metrics: ForwarderMetrics,
    private readonly options: DiscoveryOptions = DEFAULT_DISCOVERY_OPTIONS,
  ) {}

  async discover(state: DiscoveryState | undefined, startTime: number | undefined, now: number): Promise<Discovery> {
    try {
      return await this.discoverIn(state, startTime, now);
    } catch (error) {
      // Azure creates the container at its first write: until then there is nothing to read.
      if (error instanceof RestError && error.code === "ContainerNotFound") {
        return { blobs: [], roots: [...(state?.roots ?? [])], rootsRefreshedAt: state?.rootsRefreshedAt ?? new Date(now).toISOString() };
      }
      throw error;
    }
  }

  private async discoverIn(state: DiscoveryState | undefined, startTime: number | undefined, now: number): Promise<Discovery> {
    const notBefore = startTime === undefined ? undefined : floorHour(startTime);
    if (!state?.scannedThrough) {
      const blobs = await this.listFlat("", notBefore);
      const roots = [...new Set(blobs.map((b) => b.root ?? ""))].sort();
      return { blobs, roots, rootsRefreshedAt: new Date(now).toISOString() };
    }
    let roots = [...state.roots];
    let rootsRefreshedAt = state.rootsRefreshedAt ?? new Date(0).toISOString();
    const blobs: ListedBlob[] = [];
    // With no root known yet the walk is one listing, so it runs every poll until the first appears.
    if (roots.length === 0 || now - Date.parse(rootsRefreshedAt) >= this.options.rootRefreshMs) {
      const walked = await this.walkRoots();
      for (const root of walked.filter((r) => !roots.includes(r))) blobs.push(...(await this.listFlat(root, notBefore)));
      roots = walked;
      rootsRefreshedAt = new Date(now).toISOString();
    } else {
      // Between walks, resources beside known ones (another NSG of a resource group, another flow log
      // in a subscription's NetworkWatcherRG) are found at once: one listing per parent each poll.
      for (const root of await this.newSiblings(roots)) {
        blobs.push(...(await this.listFlat(root, notBefore)));
        roots.push(root);
      }
      roots.sort();
    }
    const from = floorHour(Date.parse(state.scannedThrough)) - this.options.lookbackHours * HOUR_MS;
    const to = floorHour(now);
    const hours = Math.max(0, (to - from) / HOUR_MS + 1);
    for (const root of roots) {
      if (hours > this.options.maxHourListings) {
        blobs.push(...(await this.listFlat(root, from)));
        continue;
      }
      for (let hour = from; hour <= to; hour += HOUR_MS) blobs.push(...(await this.listFlat(root + hourPath(hour), undefined)));
    }
    return { blobs: unique(blobs), roots, rootsRefreshedAt };
  }

  /** Every flow-log blob under `prefix`, skipping hour partitions before `notBefore`. */
  private async listFlat(prefix: string, notBefore: number | undefined): Promise<ListedBlob[]> {
    const blobs = await listFlowLogBlobs(this.container, prefix, () => this.metrics.storageRequests.inc({ operation: "list" }));
    return notBefore === undefined ? blobs : blobs.filter((b) => b.hour === undefined || b.hour >= notBefore);
  }

  /** Names above the hour partitions, found level by level without listing any hour. */
  private async walkRoots(): Promise<string[]> {
    const roots: string[] = [];
    let level = [""];
    for (let depth = 0; depth < this.options.maxDepth && level.length > 0; depth++) {
      const next: string[] = [];
      for (const parent of level) {
        for (const child of await this.childPrefixes(parent)) {
          if (!isYearPrefix(child, parent)) next.push(child);
          else if (!roots.includes(parent)) roots.push(parent);
        }
      }
      level = next;
    }
    return roots.sort();
  }

  /** Prefixes beside known roots that have hour partitions of their own. */
  private async newSiblings(roots: readonly string[]): Promise<string[]> {
    const found: string[] = [];
    const parents = new Set(roots.filter((r) => r !== "").map(parentPrefix));
    for (const parent of parents) {
      for (const child of await this.childPrefixes(parent)) {
        if (roots.includes(child) || found.includes(child) || this.notRoots.has(child)) continue;
        if ((await this.childPrefixes(child)).some((grandchild) => isYearPrefix(grandchild, child))) found.push(child);
        else this.notRoots.add(child);
      }
    }
    return found;
  }

  private async childPrefixes(parent: string): Promise<string[]> {
    const children: string[] = [];
    for await (const page of this.container.listBlobsByHierarchy("/", { prefix: parent }).byPage({ maxPageSize: LIST_PAGE_SIZE })) {
      this.metrics.storageRequests.inc({ operation: "list" });
      for (const prefix of page.segment.blobPrefixes ?? []) children.push(prefix.name);
    }
    return children;
  }
}

/** `a/b/c/` -> `a/b/`. */
function parentPrefix(root: string): string {
  return root.slice(0, root.lastIndexOf("/", root.length - 2) + 1);
}

function unique(blobs: ListedBlob[]): ListedBlob[] {
  const byName = new Map(blobs.map((b) => [b.name, b]));
  return [...byName.values()];
}
