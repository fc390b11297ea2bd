// What the checkpoint store holds for the sources this replica reads, kept in memory between polls so
// that an idle poll costs no checkpoint reads: each source's state, each recent blob's checkpoint, and
// the instant before which everything committed is known delivered (the lag metric's origin).

import type { BlobCheckpoint, CheckpointStore, SourceCheckpoint, SourceRef, Stored } from "./checkpoints/checkpoint-store";
import { CheckpointConflictError } from "./errors";
import { HOUR_MS } from "./source/hour-partition";

interface CachedBlob {
  readonly stored: Stored<BlobCheckpoint> | undefined;
  /** Progress the intake acknowledged that could not be stored yet (the checkpoint container failed). */
  readonly unsaved?: BlobCheckpoint;
  readonly hour?: number;
}

/** What is known of a blob's progress: as stored, and as reached (newer while a store write failed). */
export interface BlobProgress {
  readonly stored: Stored<BlobCheckpoint> | undefined;
  readonly reached: BlobCheckpoint | undefined;
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

  async blobProgress(source: Source, blobName: string, hour: number | undefined): Promise<BlobProgress> {
    const key = this.key(source, blobName);
    let cached = this.blobs.get(key);
    if (!cached) {
      cached = { stored: await this.store.readBlob(source, blobName), hour };
      this.blobs.set(key, cached);
    }
    return { stored: cached.stored, reached: cached.unsaved ?? cached.stored?.value };
  }

  noteBlobStored(source: Source, blobName: string, hour: number | undefined, stored: Stored<BlobCheckpoint>): void {
    const unsaved = this.blobs.get(this.key(source, blobName))?.unsaved;
    this.blobs.set(this.key(source, blobName), { stored, hour, unsaved: unsaved === stored.value ? undefined : unsaved });
  }

  /** Progress acknowledged by the intake, saved or not: the next read starts there, not before. */
  noteBlobReached(source: Source, blobName: string, hour: number | undefined, reached: BlobCheckpoint): void {
    const cached = this.blobs.get(this.key(source, blobName));
    this.blobs.set(this.key(source, blobName), { stored: cached?.stored, hour, unsaved: reached });
  }

  /** Stores the progress that could not be stored before; on a conflict, forgets the blob. */
  async saveUnsaved(source: Source): Promise<void> {
    const prefix = this.key(source, "");
    for (const [key, cached] of this.blobs) {
      if (!key.startsWith(prefix) || !cached.unsaved) continue;
      const blobName = key.slice(prefix.length);
      try {
        const etag = await this.store.writeBlob(source, blobName, cached.unsaved, cached.stored?.etag);
        this.blobs.set(key, { stored: { value: cached.unsaved, etag }, hour: cached.hour });
      } catch (error) {
        if (error instanceof CheckpointConflictError) this.blobs.delete(key);
        throw error;
      }
    }
  }

  /** Another writer holds a newer version of this blob's checkpoint: read it next time. */
  forgetBlob(source: Source, blobName: string): void {
    this.blobs.delete(this.key(source, blobName));
  }

  /**
   * Everything about a source, when another replica may have moved it on; except progress not yet
   * stored, which saveUnsaved() writes under the stored ETag: if another replica did move the blob on,
   * that write conflicts and the blob is forgotten then.
   */
  forgetSource(source: Source): void {
    this.sources.delete(source.url);
    const prefix = this.key(source, "");
    for (const [key, cached] of this.blobs) if (key.startsWith(prefix) && !cached.unsaved) this.blobs.delete(key);
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
      if (entry.hour !== undefined && entry.hour < horizon && entry.stored?.value.etag && !entry.unsaved) this.blobs.delete(key);
    }
  }

  private key(source: Source, blobName: string): string {
    return `${source.url}\n${blobName}`;
  }
}
