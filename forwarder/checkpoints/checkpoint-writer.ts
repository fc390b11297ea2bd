// Saves one blob's progress as acknowledgements arrive: one write in flight at a time, and only the
// newest progress is written when several arrive meanwhile. A write that fails is retried on the next
// update or drain; a conflict (another writer) stops all further writes.

import { CheckpointConflictError } from "../errors";
import type { BlobCheckpoint, CheckpointStore, SourceRef, Stored } from "./checkpoint-store";

export class CheckpointWriter {
  private pending?: BlobCheckpoint;
  private writing?: Promise<void>;
  private error?: Error;

  constructor(
    private readonly store: CheckpointStore,
    private readonly source: SourceRef,
    private readonly blobName: string,
    private stored: Stored<BlobCheckpoint> | undefined,
    /** Told of every successful write, so the caller's cache matches the store. */
    private readonly onWritten: (stored: Stored<BlobCheckpoint>) => void,
  ) {}

  update(value: BlobCheckpoint): void {
    if (this.error instanceof CheckpointConflictError) return;
    // Acknowledgements often end where the last one did (a batch of another blob, the final mark).
    const latest = this.pending ?? this.stored?.value;
    if (latest && sameProgress(latest, value)) return;
    this.pending = value;
    this.writing ??= this.writeLoop();
  }

  /** Resolves when the newest progress is stored; throws the error that kept it from being stored. */
  async drain(): Promise<void> {
    if (this.pending && !this.writing) this.writing = this.writeLoop();
    await this.writing;
    if (this.error) throw this.error;
  }

  private async writeLoop(): Promise<void> {
    try {
      while (this.pending) {
        const value = this.pending;
        this.pending = undefined;
        try {
          const etag = await this.store.writeBlob(this.source, this.blobName, value, this.stored?.etag);
          this.stored = { value, etag };
          this.error = undefined;
          this.onWritten(this.stored);
        } catch (error) {
          this.error = error as Error;
          if (!(error instanceof CheckpointConflictError)) this.pending ??= value;
          return;
        }
      }
    } finally {
      this.writing = undefined;
    }
  }
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
