// Lists the PT1H.json blobs under a name prefix with what the listing says of each: the one listing
// the service's discovery and the operator commands share.

import type { ContainerClient } from "@azure/storage-blob";
import { hourPartition, isFlowLogBlob } from "./hour-partition";

export interface ListedBlob {
  readonly name: string;
  /** In the quoted form block lists and checkpoints hold (see headerEtag). */
  readonly etag: string;
  /** Listed size: only an estimate while the hour is still being written. */
  readonly size: number;
  /** Start of the blob's hour partition (epoch ms), when its name has one. */
  readonly hour?: number;
  /** Everything before the hour partition, naming the resource (see hour-partition.ts). */
  readonly root?: string;
}

/**
 * Entries per list request. Azure's maximum (5,000) made one page of a first start's catch-up listing
 * a 6 MB XML body parsed into three copies (text, XML tree, SDK models) at once; 500 bounds that to a
 * tenth for 10 requests instead of 1 per 5,000 blobs, which only a first start or a backlog pays.
 */
export const LIST_PAGE_SIZE = 500;

/** `onPage` is told of every list request made, for the request metrics. */
export async function listFlowLogBlobs(container: ContainerClient, prefix: string, onPage: () => void = () => undefined): Promise<ListedBlob[]> {
  const blobs: ListedBlob[] = [];
  for await (const page of container.listBlobsFlat({ prefix }).byPage({ maxPageSize: LIST_PAGE_SIZE })) {
    onPage();
    for (const item of page.segment.blobItems) {
      if (!isFlowLogBlob(item.name)) continue;
      const partition = hourPartition(item.name);
      blobs.push({
        name: item.name,
        etag: headerEtag(item.properties.etag),
        size: item.properties.contentLength ?? 0,
        hour: partition?.hour,
        root: partition?.root,
      });
    }
  }
  return blobs;
}

/**
 * Listings give ETags bare, while block lists, downloads and so the checkpoints give them quoted (the
 * form of the HTTP header): compared as listed, no blob would ever look unchanged.
 */
export function headerEtag(listed: string): string {
  return listed.startsWith('"') ? listed : `"${listed}"`;
}
