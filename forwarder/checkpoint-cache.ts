// What the checkpoint store holds for the sources this replica reads, kept in memory between polls so
// that an idle poll costs no checkpoint reads: each source's state, each recent blob's checkpoint, and
// the instant before which everything committed is known delivered (the lag metric's origin).

import type { BlobCheckpoint, CheckpointStore, SourceCheckpoint, SourceRef, Stored } from "./checkpoints/checkpoint-store";
import { HOUR_MS } from "./source/hour-partition";

interface CachedBlob {
  readonly stored: Stored<BlobCheckpoint> | undefined;
  readonly hour?: number;
}

interface Source extends SourceRef {
  readonly url: string;
}

export class CheckpointCache {
  private readonly sources = new Map<string, Stored<SourceCheckpoint> | undefined>();
  private readonly blobs = new Map<string, CachedBlob>();
  private readonly deliveredBefore = new Map<string, number>();

  constructor(private readonly store: CheckpointStore) {}

  async sourceState(source: Source): Promise<Stored<SourceCheckpoint> | undefined> {
    if (!this.sources.has(source.url)) {
      const state = await this.store.readSource(source);
      this.sources.set(source.url, state);
      if (state?.value.scannedThrough) this.deliveredBefore.set(source.url, Date.parse(state.value.scannedThrough));
    }
    return this.sources.get(source.url);
  }

  /** Stores a source's state after a complete poll; on a conflict, forgets ours and rethrows. */
  async recordSource(source: Source, value: SourceCheckpoint): Promise<void> {
    try {
      const etag = await this.store.writeSource(source, value, this.sources.get(source.url)?.etag);
      this.sources.set(source.url, { value, etag });
      if (value.scannedThrough) this.deliveredBefore.set(source.url, Date.parse(value.scannedThrough));
    } catch (error) {
      // Another replica may have moved the source on: read its version next time.
      this.sources.delete(source.url);
      throw error;
    }
  }

  async blobCheckpoint(source: Source, blobName: string, hour: number | undefined): Promise<Stored<BlobCheckpoint> | undefined> {
    const key = this.key(source, blobName);
    const cached = this.blobs.get(key);
    if (cached) return cached.stored;
    const stored = await this.store.readBlob(source, blobName);
    this.blobs.set(key, { stored, hour });
    return stored;
  }

  noteBlobStored(source: Source, blobName: string, hour: number | undefined, stored: Stored<BlobCheckpoint>): void {
    this.blobs.set(this.key(source, blobName), { stored, hour });
  }

  /** Another writer holds a newer version of this blob's checkpoint: read it next time. */
  forgetBlob(source: Source, blobName: string): void {
    this.blobs.delete(this.key(source, blobName));
  }

  /** Everything about a source, when another replica may have moved it on. */
  forgetSource(source: Source): void {
    this.sources.delete(source.url);
    const prefix = this.key(source, "");
    for (const key of this.blobs.keys()) if (key.startsWith(prefix)) this.blobs.delete(key);
  }

  deliveredBeforeOf(source: Source): number | undefined {
    return this.deliveredBefore.get(source.url);
  }

  /** On first start, the oldest hour found stands for "delivered before" until the first complete poll. */
  noteFirstDiscovery(source: Source, oldestHour: number): void {
    if (!this.deliveredBefore.has(source.url)) this.deliveredBefore.set(source.url, oldestHour);
  }

  /** Forgets checkpoints of hours no poll will list again; the store keeps them. */
  evict(pollStart: number): void {
    const horizon = pollStart - 3 * HOUR_MS;
    for (const [key, entry] of this.blobs) {
      if (entry.hour !== undefined && entry.hour < horizon && entry.stored?.value.etag) this.blobs.delete(key);
    }
  }

  private key(source: Source, blobName: string): string {
    return `${source.url}\n${blobName}`;
  }
}
