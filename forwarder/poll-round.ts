// The bookkeeping of one poll: the blobs read (to settle once the sinks flush), the sources found
// complete so far, and what went wrong, which becomes the poll's report and log lines.

import type { SourceCheckpoint } from "./checkpoints/checkpoint-store";
import type { BlobResult } from "./blob-forwarding";
import { CheckpointConflictError } from "./errors";
import type { SourcePipeline } from "./forwarder";
import type { Logger } from "./log";
import { BlobChangedError } from "./source/block-reader";

export interface PollReport {
  readonly blobsRead: number;
  readonly tuplesRead: number;
  readonly tuplesSent: number;
  readonly bytesRead: number;
  /** Blobs or sources that could not be forwarded completely this time. */
  readonly failures: number;
  /** Blobs that changed while being read: a next poll right away finds the rest. */
  readonly changedWhileReading: number;
  /** Sources another replica holds, left to it. */
  readonly standby: number;
}

export interface BlobRead {
  readonly pipeline: SourcePipeline;
  readonly blobName: string;
  readonly result: BlobResult;
}

export class PollRound {
  readonly reads: BlobRead[] = [];
  /** Per source, the state to record if every blob it found gets delivered. */
  readonly discovered = new Map<SourcePipeline, SourceCheckpoint>();
  private readonly incomplete = new Set<SourcePipeline>();
  failures = 0;
  changedWhileReading = 0;
  standby = 0;

  constructor(
    readonly started: number,
    private readonly log: Logger,
    /** Told of every failure, for readiness and metrics. */
    private readonly onFailure: (error: unknown) => void,
  ) {}

  isComplete(pipeline: SourcePipeline): boolean {
    return !this.incomplete.has(pipeline);
  }

  /** The source is left for a later poll, with a log line saying why. */
  sourceFailed(pipeline: SourcePipeline, error: unknown, message: string, fields: Record<string, unknown> = {}): void {
    this.incomplete.add(pipeline);
    this.failures++;
    this.onFailure(error);
    this.log.error({ source: pipeline.source.url, err: error, ...fields }, message);
  }

  blobFailed(pipeline: SourcePipeline, blobName: string, error: unknown): void {
    this.incomplete.add(pipeline);
    if (error instanceof BlobChangedError) {
      this.changedWhileReading++;
      this.log.info({ source: pipeline.source.url, blob: blobName }, `${error.message[0].toUpperCase()}${error.message.slice(1)}; reading it again next poll.`);
      return;
    }
    this.failures++;
    this.onFailure(error);
    const level = error instanceof CheckpointConflictError ? "warn" : "error";
    this.log[level]({ source: pipeline.source.url, blob: blobName, err: error }, "Blob not forwarded completely; the next poll resumes from its checkpoint.");
  }

  report(tuplesSent: number): PollReport {
    return {
      blobsRead: this.reads.length,
      tuplesRead: this.reads.reduce((sum, r) => sum + r.result.tuplesRead, 0),
      tuplesSent,
      bytesRead: this.reads.reduce((sum, r) => sum + r.result.bytesRead, 0),
      failures: this.failures,
      changedWhileReading: this.changedWhileReading,
      standby: this.standby,
    };
  }
}
