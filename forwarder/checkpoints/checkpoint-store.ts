// Durable progress in a blob container. Each record is one small JSON blob written whole (Put Blob is
// atomic, so a crash leaves the previous version) under an ETag condition, so two writers can never
// silently overwrite each other: the loser gets a CheckpointConflictError.

import { RestError, type ContainerClient } from "@azure/storage-blob";
import { CheckpointConflictError, CheckpointContainerMissingError, CheckpointUnavailableError, ForwarderError } from "../errors";
import type { ForwarderMetrics } from "../metrics";
import type { DiscoveryState } from "../source/blob-discovery";
import type { ReadStart } from "../source/blob-position";
import { readStream } from "../source/read-stream";

export const CHECKPOINT_PREFIX = "v1";

/** Progress of one source blob: where a read resumes, and when everything under an ETag is delivered. */
export interface BlobCheckpoint extends ReadStart {
  /** The blob's ETag, set when everything committed under it was delivered. */
  readonly etag?: string;
  readonly updatedAt: string;
}

/** Progress of one source container: what discovery needs to go on from. */
export interface SourceCheckpoint extends DiscoveryState {
  /** The first start's FORWARDER_START_TIME, kept so later discoveries honour it. */
  readonly startTime?: string;
}

export interface Stored<T> {
  readonly value: T;
  /** ETag of the checkpoint blob, for the next conditional write. */
  readonly etag: string;
}

export interface SourceRef {
  readonly account: string;
  readonly container: string;
}

export function blobCheckpointName(source: SourceRef, blobName: string): string {
  return `${CHECKPOINT_PREFIX}/blobs/${source.account}/${source.container}/${blobName}.json`;
}

export function sourceCheckpointName(source: SourceRef): string {
  return `${CHECKPOINT_PREFIX}/sources/${source.account}/${source.container}.json`;
}

/**
 * Names a failure of the checkpoint container as such, so that readiness and logs blame the checkpoint
 * container rather than the flow-log storage (both are blob storage, and their SDK errors look alike).
 */
export function checkpointFailure(action: string, error: unknown): Error {
  return error instanceof ForwarderError ? error : new CheckpointUnavailableError(action, error);
}

export class CheckpointStore {
  constructor(
    readonly container: ContainerClient,
    private readonly metrics: ForwarderMetrics,
  ) {}

  /** Throws unless the container exists and answers: the readiness check. */
  async check(): Promise<void> {
    this.metrics.storageRequests.inc({ operation: "checkpoint_check" });
    try {
      // A listing, not Get Container Properties: a container-scoped SAS may list but not read properties.
      await this.container
        .listBlobsFlat({ prefix: `${CHECKPOINT_PREFIX}/sources/` })
        .byPage({ maxPageSize: 1 })
        .next();
    } catch (error) {
      this.metrics.storageErrors.inc({ area: "checkpoint" });
      if (error instanceof RestError && error.statusCode === 404) {
        throw new CheckpointContainerMissingError(this.container.url.split("?")[0]);
      }
      throw checkpointFailure("be listed", error);
    }
  }

  readBlob(source: SourceRef, blobName: string): Promise<Stored<BlobCheckpoint> | undefined> {
    return this.read<BlobCheckpoint>(blobCheckpointName(source, blobName));
  }

  writeBlob(source: SourceRef, blobName: string, value: BlobCheckpoint, etag: string | undefined): Promise<string> {
    return this.write(blobCheckpointName(source, blobName), value, etag);
  }

  readSource(source: SourceRef): Promise<Stored<SourceCheckpoint> | undefined> {
    return this.read<SourceCheckpoint>(sourceCheckpointName(source));
  }

  writeSource(source: SourceRef, value: SourceCheckpoint, etag: string | undefined): Promise<string> {
    return this.write(sourceCheckpointName(source), value, etag);
  }

  async read<T>(name: string): Promise<Stored<T> | undefined> {
    this.metrics.storageRequests.inc({ operation: "checkpoint_read" });
    try {
      // One request gives both the content and the ETag it belongs to.
      const response = await this.container.getBlockBlobClient(name).download();
      const buffer = await readStream(response.readableStreamBody!);
      return { value: JSON.parse(buffer.toString("utf8")) as T, etag: response.etag! };
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) return undefined;
      this.metrics.storageErrors.inc({ area: "checkpoint" });
      throw checkpointFailure(`read ${name}`, error);
    }
  }

  /** Writes `value` if the stored version still has `etag` (or, without one, if none exists yet). */
  async write(name: string, value: unknown, etag: string | undefined): Promise<string> {
    const body = JSON.stringify(value);
    this.metrics.storageRequests.inc({ operation: "checkpoint_write" });
    try {
      const response = await this.container.getBlockBlobClient(name).upload(body, Buffer.byteLength(body), {
        conditions: etag ? { ifMatch: etag } : { ifNoneMatch: "*" },
        blobHTTPHeaders: { blobContentType: "application/json" },
      });
      return response.etag!;
    } catch (error) {
      if (error instanceof RestError && (error.statusCode === 412 || error.statusCode === 409)) {
        throw new CheckpointConflictError(name);
      }
      this.metrics.storageErrors.inc({ area: "checkpoint" });
      throw checkpointFailure(`store ${name}`, error);
    }
  }
}
