// The flow-log blobs of a source container and the hour partitions they fall in, for the operator
// commands. Unlike the service's discovery (which lists only the hours that can still change), a
// command asks about any range, so it lists the container once, flat; it keeps the whole listing so
// that a range holding no blob can be answered with what the container does hold.

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

/** Every blob of the container with an hour partition, in hour order, then by name, so that output and replay order are stable. */
export async function listHourBlobs(container: ContainerClient): Promise<HourBlob[]> {
  const hourly = (b: ListedBlob): b is HourBlob => b.hour !== undefined;
  return (await listFlowLogBlobs(container, "")).filter(hourly).sort((a, b) => a.hour - b.hour || a.name.localeCompare(b.name));
}

/** The blobs whose hour partition starts in the range, in the order given. */
export function inHours(blobs: readonly HourBlob[], range: HourRange): HourBlob[] {
  return blobs.filter((b) => b.hour >= range.fromHour && b.hour < range.untilHour);
}
