// The flow-log blobs of a source container whose hour partition falls in a range, with their listed
// size and ETag, for the operator commands. Unlike the service's discovery (which lists only the hours
// that can still change), a command asks about any range, so it lists the container once, flat.

import type { ContainerClient } from "@azure/storage-blob";
import { hourPartition, isFlowLogBlob } from "../source/hour-partition";
import { headerEtag } from "../source/blob-discovery";

export interface ListedBlob {
  readonly name: string;
  /** Everything before the hour partition: names the resource (see hour-partition.ts). */
  readonly root: string;
  /** Start of the hour partition, epoch ms. */
  readonly hour: number;
  readonly etag: string;
  /** Listed size: only an estimate while the hour is still being written. */
  readonly size: number;
}

export interface HourRange {
  /** Blobs whose hour starts before this are left out. */
  readonly fromHour: number;
  /** Blobs whose hour starts at or after this are left out. */
  readonly untilHour: number;
}

const PAGE_SIZE = 5000;

/** In hour order, then by name, so that output and replay order are stable. */
export async function listFlowLogBlobs(container: ContainerClient, range: HourRange): Promise<ListedBlob[]> {
  const blobs: ListedBlob[] = [];
  for await (const page of container.listBlobsFlat().byPage({ maxPageSize: PAGE_SIZE })) {
    for (const item of page.segment.blobItems) {
      const partition = isFlowLogBlob(item.name) ? hourPartition(item.name) : undefined;
      if (!partition || partition.hour < range.fromHour || partition.hour >= range.untilHour) continue;
      blobs.push({ name: item.name, root: partition.root, hour: partition.hour, etag: headerEtag(item.properties.etag), size: item.properties.contentLength ?? 0 });
    }
  }
  return blobs.sort((a, b) => a.hour - b.hour || a.name.localeCompare(b.name));
}
