// Finds the PT1H.json blobs a poll must look at, at a cost that does not grow with retained history.
// The first start lists the whole container once (catching up on everything, or from
// FORWARDER_START_TIME). After that a poll lists only the hour partitions that can still change, from
// the hour before the last complete poll to now, under each known root (resource); roots are
// re-discovered every few minutes by walking the names above the hour partitions, and a new root is
// caught up on whole.

import { RestError, type ContainerClient } from "@azure/storage-blob";
import type { SourceCheckpoint } from "../checkpoints/checkpoint-store";
import type { ForwarderMetrics } from "../metrics";
import { floorHour, HOUR_MS, hourPartition, hourPath, isFlowLogBlob, isYearPrefix } from "./hour-partition";

export interface DiscoveredBlob {
  readonly name: string;
  readonly etag: string;
  /** Start of the blob's hour partition (epoch ms), when its name has one. */
  readonly hour?: number;
}

export interface Discovery {
  readonly blobs: DiscoveredBlob[];
  readonly roots: string[];
  readonly rootsRefreshedAt: string;
}

export interface DiscoveryOptions {
  /** How often known roots are re-walked to find new resources. */
  readonly rootRefreshMs: number;
  /** Past this many hour partitions per root, one listing of the root is cheaper. */
  readonly maxHourListings: number;
  /** Deepest name level searched for roots. */
  readonly maxDepth: number;
}

export const DEFAULT_DISCOVERY_OPTIONS: DiscoveryOptions = { rootRefreshMs: 300_000, maxHourListings: 48, maxDepth: 24 };

const PAGE_SIZE = 5000;

export class BlobDiscovery {
  constructor(
    private readonly container: ContainerClient,
    private readonly metrics: ForwarderMetrics,
    private readonly options: DiscoveryOptions = DEFAULT_DISCOVERY_OPTIONS,
  ) {}

  async discover(state: SourceCheckpoint | undefined, startTime: number | undefined, now: number): Promise<Discovery> {
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

  private async discoverIn(state: SourceCheckpoint | undefined, startTime: number | undefined, now: number): Promise<Discovery> {
    const notBefore = startTime === undefined ? undefined : floorHour(startTime);
    if (!state?.scannedThrough) {
      const blobs = await this.listFlat("", notBefore);
      const roots = [...new Set(blobs.map((b) => hourPartition(b.name)?.root ?? ""))].sort();
      return { blobs, roots, rootsRefreshedAt: new Date(now).toISOString() };
    }
    let roots = [...state.roots];
    let rootsRefreshedAt = state.rootsRefreshedAt ?? new Date(0).toISOString();
    const blobs: DiscoveredBlob[] = [];
    // With no root known yet the walk is one listing, so it runs every poll until the first appears.
    if (roots.length === 0 || now - Date.parse(rootsRefreshedAt) >= this.options.rootRefreshMs) {
      const walked = await this.walkRoots();
      for (const root of walked.filter((r) => !roots.includes(r))) blobs.push(...(await this.listFlat(root, notBefore)));
      roots = walked;
      rootsRefreshedAt = new Date(now).toISOString();
    }
    const from = floorHour(Date.parse(state.scannedThrough)) - HOUR_MS;
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
  private async listFlat(prefix: string, notBefore: number | undefined): Promise<DiscoveredBlob[]> {
    const blobs: DiscoveredBlob[] = [];
    for await (const page of this.container.listBlobsFlat({ prefix }).byPage({ maxPageSize: PAGE_SIZE })) {
      this.metrics.storageRequests.inc({ operation: "list" });
      for (const item of page.segment.blobItems) {
        if (!isFlowLogBlob(item.name)) continue;
        const hour = hourPartition(item.name)?.hour;
        if (notBefore !== undefined && hour !== undefined && hour < notBefore) continue;
        blobs.push({ name: item.name, etag: headerEtag(item.properties.etag), hour });
      }
    }
    return blobs;
  }

  /** Names above the hour partitions, found level by level without listing any hour. */
  private async walkRoots(): Promise<string[]> {
    const roots: string[] = [];
    let level = [""];
    for (let depth = 0; depth < this.options.maxDepth && level.length > 0; depth++) {
      const next: string[] = [];
      for (const parent of level) {
        for await (const page of this.container.listBlobsByHierarchy("/", { prefix: parent }).byPage({ maxPageSize: PAGE_SIZE })) {
          this.metrics.storageRequests.inc({ operation: "list" });
          for (const prefix of page.segment.blobPrefixes ?? []) {
            if (isYearPrefix(prefix.name, parent)) {
              if (!roots.includes(parent)) roots.push(parent);
            } else next.push(prefix.name);
          }
        }
      }
      level = next;
    }
    return roots.sort();
  }
}

/**
 * A listing gives the ETag bare (0x8D…), while block lists and downloads (and so checkpoints) give
 * it quoted ("0x8D…"). Compared as listed, no blob ever looked unchanged, and every idle poll asked
 * for the block list of every recent blob.
 */
export function headerEtag(listed: string): string {
  return listed.startsWith('"') ? listed : `"${listed}"`;
}

function unique(blobs: DiscoveredBlob[]): DiscoveredBlob[] {
  const byName = new Map(blobs.map((b) => [b.name, b]));
  return [...byName.values()];
}
