// One poll over every source: discover the blobs that may have changed, forward what is new in each,
// wait until the intake has acknowledged it all, then record the poll as the new point everything
// before which is delivered. A failure in one blob or source is logged and retried by the next poll
// from the last checkpoint; it never stops the others.

import type { CheckpointStore } from "./checkpoints/checkpoint-store";
import type { DeadLetterStore } from "./checkpoints/dead-letter";
import type { SourceLeases } from "./checkpoints/source-lease";
import { CheckpointCache } from "./checkpoint-cache";
import type { FlowLogSource } from "./config";
import { forwardBlob, type PreparedBlob } from "./blob-forwarding";
import { CheckpointConflictError, ForwarderError } from "./errors";
import type { HealthState } from "./health";
import type { Logger } from "./log";
import type { ForwarderMetrics } from "./metrics";
import type { PipelineParts } from "./pipeline-parts";
import { PollRound, type PollReport } from "./poll-round";
import type { SekoiaSink } from "./sink/sekoia-sink";
import type { BlobDiscovery } from "./source/blob-discovery";
import type { ListedBlob } from "./source/blob-listing";
import type { BlockReader } from "./source/block-reader";

export type { PollReport } from "./poll-round";

/** After the intake refused a key (401/403/404), how long before a poll tries that intake again. */
const KEY_REJECTED_PAUSE_MS = 300_000;

export interface SourcePipeline {
  readonly source: FlowLogSource;
  readonly discovery: BlobDiscovery;
  readonly reader: BlockReader;
  readonly sink: SekoiaSink;
}

export interface ForwarderParts {
  readonly sources: readonly SourcePipeline[];
  readonly store: CheckpointStore;
  readonly deadLetters: DeadLetterStore;
  readonly leases: SourceLeases;
  readonly metrics: ForwarderMetrics;
  readonly health: HealthState;
  readonly log: Logger;
  readonly startTime?: Date;
  readonly now?: () => number;
}

export class Forwarder {
  readonly stopSignal = { stopped: false };
  private readonly cache: CheckpointCache;
  private readonly now: () => number;

  constructor(private readonly parts: ForwarderParts) {
    this.now = parts.now ?? Date.now;
    this.cache = new CheckpointCache(parts.store);
    const started = this.now();
    parts.metrics.lagSince = () => {
      const instants = parts.sources.map((s) => this.cache.deliveredBeforeOf(s.source) ?? started);
      return instants.length > 0 ? Math.min(...instants) : undefined;
    };
  }

  /** Stop reading; what was read is still delivered and checkpointed by the poll under way. */
  stop(): void {
    this.stopSignal.stopped = true;
  }

  async poll(): Promise<PollReport> {
    const { sources, metrics, log } = this.parts;
    const round = new PollRound(this.now(), log, (error) => this.noteFailure(error));
    const sentBefore = sources.reduce((sum, s) => sum + s.sink.sent, 0);
    for (const pipeline of sources) {
      if (this.stopSignal.stopped) break;
      try {
        await this.pollSource(pipeline, round);
      } catch (error) {
        round.sourceFailed(pipeline, error, "Source not polled; retrying next poll.");
      }
    }
    await Promise.all(sources.map((s) => s.sink.flush()));
    for (const { pipeline, blobName, result } of round.reads) {
      try {
        await result.settle();
      } catch (error) {
        // Another writer holds a newer version: forget ours so the next poll reads theirs.
        if (error instanceof CheckpointConflictError) this.cache.forgetBlob(pipeline.source, blobName);
        round.blobFailed(pipeline, blobName, error);
      }
    }
    if (round.failures === 0) this.parts.health.ok("intake");
    await this.recordCompletedSources(round);
    this.cache.evict(round.started);

    const report = round.report(sources.reduce((sum, s) => sum + s.sink.sent, 0) - sentBefore);
    metrics.polls.inc({ outcome: report.failures === 0 ? "complete" : "incomplete" });
    log.info({ ...report, durationMs: this.now() - round.started }, "Poll finished.");
    return report;
  }

  private async pollSource(pipeline: SourcePipeline, round: PollRound): Promise<void> {
    const { source } = pipeline;
    const lease = await this.parts.leases.hold(source);
    if (lease === "refused") {
      round.standby++;
      return;
    }
    const rejection = pipeline.sink.keyRejection;
    if (rejection && round.started - rejection.at < KEY_REJECTED_PAUSE_MS) {
      // The key only changes with a restart: re-reading the backlog every poll would only cost reads.
      round.sourceFailed(pipeline, rejection.error, "Intake refuses the key; not reading this source until the retry time.", {
        retryAt: new Date(rejection.at + KEY_REJECTED_PAUSE_MS).toISOString(),
      });
      return;
    }
    // Whoever held the source before may have moved it on: start from what the store says.
    if (lease === "acquired") this.cache.forgetSource(source);
    // What is read while progress cannot be stored is sent again by every later poll: while the
    // checkpoint container is failing, read nothing until it answers again.
    if (this.parts.health.failing("checkpoints")) {
      await this.parts.store.check();
      this.parts.health.ok("checkpoints");
    }
    // Progress acknowledged while the container was failing is stored before anything new is read.
    await this.cache.saveUnsaved(source);
    const state = await this.cache.sourceState(source);
    const startTime = state?.value.startTime ?? this.parts.startTime?.toISOString();
    const found = await pipeline.discovery.discover(state?.value, startTime === undefined ? undefined : Date.parse(startTime), round.started);
    this.parts.health.ok("storage");
    round.discovered.set(pipeline, {
      startTime,
      scannedThrough: new Date(round.started).toISOString(),
      roots: found.roots,
      rootsRefreshedAt: found.rootsRefreshedAt,
    });
    if (!state?.value.scannedThrough && found.blobs.length > 0) {
      this.cache.noteFirstDiscovery(source, Math.min(...found.blobs.map((b) => b.hour ?? round.started)));
    }
    const blobs = [...found.blobs].sort((a, b) => (a.hour ?? 0) - (b.hour ?? 0) || a.name.localeCompare(b.name));
    await this.forwardBlobs(pipeline, blobs, round);
  }

  private async forwardBlobs(pipeline: SourcePipeline, blobs: readonly ListedBlob[], round: PollRound): Promise<void> {
    const { source } = pipeline;
    // The next blob's checkpoint and block list are fetched while this one is read: storage round
    // trips no longer leave the decoder idle between blobs.
    let next = blobs.length > 0 ? this.prepare(pipeline, blobs[0]) : undefined;
    for (let i = 0; i < blobs.length && next; i++) {
      const blob = blobs[i];
      const prepared = next;
      next = i + 1 < blobs.length && !this.stopSignal.stopped ? this.prepare(pipeline, blobs[i + 1]) : undefined;
      try {
        const ready = await prepared;
        if (!ready || this.stopSignal.stopped) continue;
        const result = await forwardBlob(this.pipelineParts(pipeline), source, ready, {
          reached: (value) => this.cache.noteBlobReached(source, blob.name, blob.hour, value),
          stored: (stored) => this.cache.noteBlobStored(source, blob.name, blob.hour, stored),
        });
        round.reads.push({ pipeline, blobName: blob.name, result });
      } catch (error) {
        if (error instanceof CheckpointConflictError) this.cache.forgetBlob(source, blob.name);
        round.blobFailed(pipeline, blob.name, error);
      }
    }
  }

  /** The blob's checkpoint and read plan, or nothing when the listed ETag says it is unchanged. */
  private prepare(pipeline: SourcePipeline, blob: ListedBlob): Promise<PreparedBlob | undefined> {
    const prepared = this.cache
      .blobProgress(pipeline.source, blob.name, blob.hour)
      .then(async (progress) =>
        progress.reached?.etag === blob.etag ? undefined : { ...progress, plan: await pipeline.reader.plan(blob.name, progress.reached) },
      );
    // Awaited in turn by the poll; a failure is reported for its blob there, not as unhandled here.
    prepared.catch(() => undefined);
    return prepared;
  }

  private pipelineParts(pipeline: SourcePipeline): PipelineParts {
    const { store, deadLetters, metrics, log } = this.parts;
    return { reader: pipeline.reader, sink: pipeline.sink, store, deadLetters, metrics, log, stopSignal: this.stopSignal };
  }

  /** Only a source whose every blob was delivered moves its scan window forward. */
  private async recordCompletedSources(round: PollRound): Promise<void> {
    for (const [pipeline, value] of round.discovered) {
      if (!round.isComplete(pipeline) || this.stopSignal.stopped) continue;
      try {
        await this.cache.recordSource(pipeline.source, value);
        this.parts.health.ok("checkpoints");
      } catch (error) {
        this.noteFailure(error);
        this.parts.log.warn({ source: pipeline.source.url, err: error }, "Source checkpoint not written; the next poll scans the same hours again.");
      }
    }
  }

  private noteFailure(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof ForwarderError && error.code.startsWith("INTAKE")) this.parts.health.fail("intake", message);
    else if (error instanceof ForwarderError && error.code.startsWith("CHECKPOINT")) this.parts.health.fail("checkpoints", message);
    else {
      // Checkpoint failures are counted where they happen; flow-log storage failures surface here.
      this.parts.metrics.storageErrors.inc({ area: "source" });
      this.parts.health.fail("storage", message);
    }
  }
}
