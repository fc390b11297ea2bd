// The flow-log blobs of a source container whose hour partition falls in a range, for the operator
// commands. Unlike the service's discovery (which lists only the hours that can still change), a
// command asks about any range, so it lists the container once, flat.

import type { ContainerClient } from "@azure/storage-blob";
import { listFlowLogBlobs, type ListedBlob } from "../source/blob-listing";

/** A listed blob with an hour partition. */
export type HourBlob = ListedBlob & { readonly hour: number; readonly root: string };

export interface HourRange {
  /** Blobs whose hour starts before this are left out. */
  readonly fromHour: number;
  /** Blobs whose hour starts at or after this are left out. */
  readonly untilHour: number;
}

/** In hour order, then by name, so that output and replay order are stable. */
export async function listBlobsInHours(container: ContainerClient, range: HourRange): Promise<HourBlob[]> {
  const inRange = (b: ListedBlob): b is HourBlob => b.hour !== undefined && b.hour >= range.fromHour && b.hour < range.untilHour;
  return (await listFlowLogBlobs(container, "")).filter(inRange).sort((a, b) => a.hour - b.hour || a.name.localeCompare(b.name));
}
