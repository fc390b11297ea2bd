// One replica at a time per source (polling) or per blob (event mode): a blob lease on a lock blob
// beside the checkpoints. Container Apps
// runs two replicas while it swaps revisions; the one without the lease stands by and takes over
// within one lease period of the holder dying, or at once when the holder releases it on shutdown.
// Checkpoint ETags still guard every write, so even a replica that lost its lease unknowingly (a long
// pause) cannot overwrite the other's progress.

import { createHash, randomUUID } from "node:crypto";
import { RestError } from "@azure/storage-blob";
import type { Logger } from "../log";
import type { ForwarderMetrics } from "../metrics";
import { CHECKPOINT_PREFIX, checkpointFailure, type CheckpointStore, type SourceRef } from "./checkpoint-store";

export interface LeaseOptions {
  /** Azure allows 15 to 60 seconds. */
  readonly durationSeconds: number;
  readonly renewEveryMs: number;
}

export const DEFAULT_LEASE_OPTIONS: LeaseOptions = { durationSeconds: 30, renewEveryMs: 10_000 };

export function lockName(source: SourceRef): string {
  return `${CHECKPOINT_PREFIX}/locks/${source.account}/${source.container}.lock`;
}

/** Event mode: replicas share sources, so each blob is read under its own lease. */
export function blobLockName(source: SourceRef, blobName: string): string {
  return `${CHECKPOINT_PREFIX}/locks/blobs/${source.account}/${source.container}/${blobName}.lock`;
}

/** A lease id (a GUID, as Azure requires) that is the same for every start of one replica. */
export function replicaLeaseId(identity: string): string {
  const hex = createHash("sha256").update(identity).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export class SourceLeases {
  /** This replica's lease id, the same for every source. */
  private id: string = randomUUID();
  private readonly held = new Set<string>();
  private readonly refused = new Set<string>();
  private renewTimer?: NodeJS.Timeout;

  constructor(
    private readonly store: CheckpointStore,
    private readonly metrics: ForwarderMetrics,
    private readonly log: Logger,
    private readonly options: LeaseOptions = DEFAULT_LEASE_OPTIONS,
  ) {}

  get leaseId(): string {
    return this.id;
  }

  /**
   * Takes a lease id derived from what names this replica (host name and health port), before any
   * lease is held. A replica restarted after a crash then holds its sources again at once, instead of
   * standing by for a whole lease period behind its own dead predecessor; two live replicas can
   * never share it, because they cannot both listen on one host's port.
   */
  identify(identity: string): void {
    if (this.held.size > 0) throw new Error("identify() must come before any lease is held");
    this.id = replicaLeaseId(identity);
  }

  /** Whether this replica holds the source's lease: since before, newly, or not (another one does). */
  async hold(source: SourceRef): Promise<"held" | "acquired" | "refused"> {
    const name = lockName(source);
    if (this.held.has(name)) return "held";
    const outcome = await this.acquire(name);
    if (outcome === "refused") {
      if (!this.refused.has(name)) this.log.info({ lock: name }, "Another replica holds this source; standing by.");
      this.refused.add(name);
      return "refused";
    }
    this.refused.delete(name);
    this.log.info({ lock: name }, "Holding the source's lease.");
    return "acquired";
  }

  /**
   * Event mode: takes the blob's lease for one read, or learns that another replica is reading it.
   * The lease is released once the read is delivered (releaseBlob); a replica that dies leaves it to
   * expire within one lease period.
   */
  async holdBlob(source: SourceRef, blobName: string): Promise<"acquired" | "refused"> {
    const name = blobLockName(source, blobName);
    // One read at a time per blob in this replica too: events and reconciliation never overlap.
    if (this.held.has(name)) return "refused";
    return this.acquire(name);
  }

  async releaseBlob(source: SourceRef, blobName: string): Promise<void> {
    await this.release(blobLockName(source, blobName));
  }

  private async acquire(name: string): Promise<"acquired" | "refused"> {
    const client = this.store.container.getBlockBlobClient(name);
    const lease = () => {
      this.metrics.storageRequests.inc({ operation: "lease" });
      return client.getBlobLeaseClient(this.leaseId).acquireLease(this.options.durationSeconds);
    };
    try {
      // The lock blob usually exists: try the lease first, and create the blob only when it is missing.
      await lease().catch(async (error: unknown) => {
        if (!(error instanceof RestError && error.statusCode === 404)) throw error;
        this.metrics.storageRequests.inc({ operation: "lease" });
        await client.upload("", 0, { conditions: { ifNoneMatch: "*" } }).catch((e: unknown) => {
          if (!(e instanceof RestError && (e.statusCode === 409 || e.statusCode === 412))) throw e;
        });
        await lease();
      });
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 409) return "refused";
      this.metrics.storageErrors.inc({ area: "checkpoint" });
      throw checkpointFailure(`lease ${name}`, error);
    }
    this.held.add(name);
    this.renewTimer ??= setInterval(() => void this.renewAll(), this.options.renewEveryMs).unref();
    return "acquired";
  }

  private async release(name: string): Promise<void> {
    if (!this.held.delete(name)) return;
    this.metrics.storageRequests.inc({ operation: "lease" });
    await this.store.container
      .getBlockBlobClient(name)
      .getBlobLeaseClient(this.leaseId)
      .releaseLease()
      .catch((error: unknown) => this.log.warn({ lock: name, err: error }, "Lease not released; it expires by itself."));
  }

  private async renewAll(): Promise<void> {
    for (const name of [...this.held]) {
      this.metrics.storageRequests.inc({ operation: "lease" });
      try {
        await this.store.container.getBlockBlobClient(name).getBlobLeaseClient(this.leaseId).renewLease();
      } catch (error) {
        this.metrics.storageErrors.inc({ area: "checkpoint" });
        // A lease we cannot renew may be taken over: drop it; ETags protect the checkpoints meanwhile.
        this.held.delete(name);
        this.log.warn({ lock: name, err: error }, "Lost a lease; acquiring it again next time.");
      }
    }
  }

  /** On shutdown, after the last checkpoint: lets a standby replica take over at once. */
  async releaseAll(): Promise<void> {
    clearInterval(this.renewTimer);
    this.renewTimer = undefined;
    for (const name of [...this.held]) await this.release(name);
  }
}
