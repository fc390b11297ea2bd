// The one owner of the progress of the sources this replica reads: it decides when and how a
// checkpoint moves. It holds each source's state and each recent blob's checkpoint in memory between
// polls (so an idle poll costs no checkpoint reads), and the instant before which everything committed
// is known delivered (the lag metric's origin).
//
// A blob's checkpoint moves only forward, to what the intake acknowledged (reach), and is written by
// one loop per blob: one write in flight at a time, only the newest progress written when several
// arrive meanwhile, each write conditional on the ETag of the last. A write that fails keeps the
// progress as unsaved: the next read starts from it, and it is written before the source is read
// again. A conflict (another writer moved the checkpoint) is handled in one place, writeLoop(): the
// blob is forgotten, so the next poll reads the other writer's version, and nothing more is written
// for it; unless the checkpoint stored is one this loop wrote itself, by a write reported failed (its
// reply lost as the container went away) but stored all the same: that one is taken as stored, and
// newer progress written over it. A source's state, written once per complete poll, is forgotten on
// any failure to store it.

import type { BlobCheckpoint, CheckpointStore, SourceCheckpoint, SourceRef, Stored } from "../checkpoints/checkpoint-store";
import { CheckpointConflictError } from "../errors";
import { HOUR_MS } from "../source/hour-partition";

interface Source extends SourceRef {
  readonly url: string;
}

/** The progress of one blob, as `Progress.blob` hands it to a read. */
export interface BlobProgress {
  /** Where a read starts: the newest progress acknowledged, stored or not. */
  readonly reached: BlobCheckpoint | undefined;
  /** The intake acknowledged this far: store it (in the background). */
  reach(value: BlobCheckpoint): void;
  /** Resolves once the newest progress is stored; throws what kept it from being stored. */
  saved(): Promise<void>;
}

interface BlobEntry {
  readonly source: Source;
  readonly blobName: string;
  readonly hour?: number;
  /** As the store holds it (with the ETag for the next conditional write). */
  stored?: Stored<BlobCheckpoint>;
  /** The newest progress acknowledged; newer than `stored` until it is written. */
  reached?: BlobCheckpoint;
  writing?: Promise<void>;
  /** What the last write failed with; cleared by the next that succeeds. */
  error?: Error;
  /**
   * Each checkpoint written (as stored, JSON) since the last write known to have succeeded: a write
   * reported failed may have been stored all the same, and a conflict with it is no other writer's.
   */
  readonly unconfirmed: Set<string>;
  /** Another writer holds the checkpoint: this entry writes nothing more. */
  forgotten: boolean;
}

const EVICT_AFTER_HOURS = 3;

export class Progress {
  private readonly sources = new Map<string, Stored<SourceCheckpoint> | undefined>();
  private readonly blobs = new Map<string, BlobEntry>();
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

  /** Reads the source's stored state again (another replica holds it and moves it on). */
  async follow(source: Source): Promise<void> {
    this.sources.delete(source.url);
    await this.sourceState(source);
  }

  /** Stores a source's state after a complete poll; throws what kept it from being stored. */
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

  /** The blob's progress, read from the store the first time it is asked for. */
  async blob(source: Source, blobName: string, hour: number | undefined): Promise<BlobProgress> {
    const key = this.key(source, blobName);
    let entry = this.blobs.get(key);
    if (!entry) {
      const stored = await this.store.readBlob(source, blobName);
      entry = this.blobs.get(key) ?? { source, blobName, hour, stored, reached: stored?.value, unconfirmed: new Set(), forgotten: false };
      this.blobs.set(key, entry);
    }
    const blob = entry;
    return {
      reached: blob.reached,
      reach: (value) => this.reach(blob, value),
      saved: () => this.saved(blob),
    };
  }

  /** Stores, before the source is read again, the progress a failing checkpoint container kept unsaved. */
  async saveUnsaved(source: Source): Promise<void> {
    for (const entry of [...this.blobs.values()]) if (entry.source.url === source.url && unsaved(entry)) await this.saved(entry);
  }

  /**
   * Forgets what is cached of a source another replica may have moved on; except progress not yet
   * stored, which saveUnsaved() writes under the stored ETag: if another replica did move the blob on,
   * that write conflicts and the blob is forgotten then.
   */
  forgetSource(source: Source): void {
    this.sources.delete(source.url);
    for (const [key, entry] of this.blobs) if (entry.source.url === source.url && !unsaved(entry)) this.blobs.delete(key);
  }

  /** The ETag under which this replica knows everything of the blob delivered, if it knows one. */
  deliveredEtag(source: Source, blobName: string): string | undefined {
    return this.blobs.get(this.key(source, blobName))?.reached?.etag;
  }

  /** Forgets a blob's cached checkpoint (unless progress is unsaved): another replica may have moved it on. */
  forgetCachedBlob(source: Source, blobName: string): void {
    const key = this.key(source, blobName);
    const entry = this.blobs.get(key);
    if (entry && !unsaved(entry) && !entry.writing) this.blobs.delete(key);
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
    const horizon = pollStart - EVICT_AFTER_HOURS * HOUR_MS;
    for (const [key, entry] of this.blobs) {
      if (entry.hour !== undefined && entry.hour < horizon && entry.stored?.value.etag && !unsaved(entry)) this.blobs.delete(key);
    }
  }

  private reach(entry: BlobEntry, value: BlobCheckpoint): void {
    if (entry.forgotten) return;
    // Acknowledgements often end where the last one did (a batch of another blob, the final mark).
    if (entry.reached && sameProgress(entry.reached, value)) return;
    entry.reached = value;
    entry.writing ??= this.writeLoop(entry);
  }

  private async saved(entry: BlobEntry): Promise<void> {
    if (unsaved(entry) && !entry.writing) entry.writing = this.writeLoop(entry);
    await entry.writing;
    if (entry.error) throw entry.error;
  }

  /** The only loop that writes blob checkpoints. */
  private async writeLoop(entry: BlobEntry): Promise<void> {
    try {
      while (!entry.forgotten && unsaved(entry)) {
        const value = entry.reached!;
        entry.unconfirmed.add(JSON.stringify(value));
        let etag: string;
        try {
          etag = await this.store.writeBlob(entry.source, entry.blobName, value, entry.stored?.etag);
        } catch (error) {
          if (error instanceof CheckpointConflictError && (await this.adoptOwnWrite(entry))) continue;
          throw error;
        }
        entry.stored = { value, etag };
        entry.unconfirmed.clear();
        entry.error = undefined;
      }
    } catch (error) {
      entry.error = error as Error;
      // Another writer moved the checkpoint on: leave the blob to it. Any other failure keeps the
      // progress unsaved, written again by the next reach, saved() or saveUnsaved().
      if (error instanceof CheckpointConflictError) this.forgetBlob(entry);
    } finally {
      entry.writing = undefined;
    }
  }

  /**
   * After a conflict: whether the checkpoint stored is one of the entry's own unconfirmed writes. If
   * so, it becomes the stored version (its ETag the condition of the next write): reading the blob
   * again from the last confirmed checkpoint would send again all that was acknowledged since.
   */
  private async adoptOwnWrite(entry: BlobEntry): Promise<boolean> {
    const current = await this.store.readBlob(entry.source, entry.blobName);
    if (!current) return false;
    const json = JSON.stringify(current.value);
    if (!entry.unconfirmed.has(json)) return false;
    // The very object reached when it is the newest, so that unsaved() finds nothing left to write.
    const value = JSON.stringify(entry.reached) === json ? entry.reached! : current.value;
    entry.stored = { value, etag: current.etag };
    entry.unconfirmed.clear();
    return true;
  }

  private forgetBlob(entry: BlobEntry): void {
    entry.forgotten = true;
    const key = this.key(entry.source, entry.blobName);
    if (this.blobs.get(key) === entry) this.blobs.delete(key);
  }

  private key(source: Source, blobName: string): string {
    return `${source.url}\n${blobName}`;
  }
}

function unsaved(entry: BlobEntry): boolean {
  return entry.reached !== undefined && entry.reached !== entry.stored?.value;
}

function sameProgress(a: BlobCheckpoint, b: BlobCheckpoint): boolean {
  const p = a.position;
  const q = b.position;
  return (
    p.blocks === q.blocks &&
    p.skip === q.skip &&
    p.digest === q.digest &&
    a.etag === b.etag &&
    a.lastBlock?.name === b.lastBlock?.name &&
    a.lastBlock?.size === b.lastBlock?.size
  );
}
