// One poll over every source: discover the blobs that may have changed, forward what is new in each,
// wait until the intake has acknowledged it all, then record the poll as the new point everything
// before which is delivered. A failure in one blob or source is logged and retried by the next poll
// from the last checkpoint; it never stops the others.

import type { BlobCheckpoint, CheckpointStore, SourceCheckpoint, Stored } from "./checkpoints/checkpoint-store";
import type { DeadLetterStore } from "./checkpoints/dead-letter";
import type { SourceLeases } from "./checkpoints/source-lease";
import type { FlowLogSource } from "./config";
import { forwardBlob, type BlobResult, type PreparedBlob } from "./blob-forwarding";
import { CheckpointConflictError, ForwarderError } from "./errors";
import type { HealthState } from "./health";
import type { Logger } from "./log";
import type { ForwarderMetrics } from "./metrics";
import type { PipelineParts } from "./pipeline-parts";
import type { SekoiaSink } from "./sink/sekoia-sink";
import type { BlobDiscovery, DiscoveredBlob } from "./source/blob-discovery";
import { BlobChangedError, type BlockReader } from "./source/block-reader";
import { HOUR_MS } from "./source/hour-partition";

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

interface CachedCheckpoint {
  readonly stored: Stored<BlobCheckpoint> | undefined;
  readonly hour?: number;
}

export class Forwarder {
  readonly stopSignal = { stopped: false };
  private readonly sourceStates = new Map<string, Stored<SourceCheckpoint> | undefined>();
  private readonly checkpoints = new Map<string, CachedCheckpoint>();
  /** Per source, the instant before which everything committed is known delivered. */
  private readonly deliveredBefore = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly parts: ForwarderParts) {
    this.now = parts.now ?? Date.now;
    const started = this.now();
    parts.metrics.lagSince = () => {
      const instants = parts.sources.map((s) => this.deliveredBefore.get(s.source.url) ?? started);
      return instants.length > 0 ? Math.min(...instants) : undefined;
    };
  }

  /** Stop reading; what was read is still delivered and checkpointed by the poll under way. */
  stop(): void {
    this.stopSignal.stopped = true;
  }

  async poll(): Promise<PollReport> {
    const { sources, metrics, log } = this.parts;
    const pollStart = this.now();
    const sentBefore = sources.reduce((sum, s) => sum + s.sink.sent, 0);
    const reads: { pipeline: SourcePipeline; blob: DiscoveredBlob; result: BlobResult }[] = [];
    const discovered = new Map<SourcePipeline, SourceCheckpoint>();
    const incomplete = new Set<SourcePipeline>();
    let failures = 0;
    let changedWhileReading = 0;
    let standby = 0;
    const blobFailed = (pipeline: SourcePipeline, blob: string, error: unknown) => {
      incomplete.add(pipeline);
      if (error instanceof BlobChangedError) {
        changedWhileReading++;
        log.info({ source: pipeline.source.url, blob }, `${error.message[0].toUpperCase()}${error.message.slice(1)}; reading it again next poll.`);
        return;
      }
      failures++;
      this.noteFailure(error);
      // Another writer holds a newer version: forget ours so the next poll reads theirs.
      if (error instanceof CheckpointConflictError) this.checkpoints.delete(this.key(pipeline, blob));
      const level = error instanceof CheckpointConflictError ? "warn" : "error";
      log[level]({ source: pipeline.source.url, blob, err: error }, "Blob not forwarded completely; the next poll resumes from its checkpoint.");
    };

    for (const pipeline of sources) {
      if (this.stopSignal.stopped) break;
      try {
        const lease = await this.parts.leases.hold(pipeline.source);
        if (lease === "refused") {
          standby++;
          continue;
        }
        const rejection = pipeline.sink.keyRejection;
        if (rejection && pollStart - rejection.at < KEY_REJECTED_PAUSE_MS) {
          // The key only changes with a restart: re-reading the backlog every poll would only cost reads.
          incomplete.add(pipeline);
          failures++;
          this.noteFailure(rejection.error);
          log.error(
            { source: pipeline.source.url, err: rejection.error, retryAt: new Date(rejection.at + KEY_REJECTED_PAUSE_MS).toISOString() },
            "Intake refuses the key; not reading this source until the retry time.",
          );
          continue;
        }
        // Whoever held the source before may have moved it on: start from what the store says.
        if (lease === "acquired") this.forget(pipeline);
        // What is read while progress cannot be stored is sent again by every later poll: while the
        // checkpoint container is failing, read nothing until it answers again.
        if (this.parts.health.failing("checkpoints")) {
          await this.parts.store.check();
          this.parts.health.ok("checkpoints");
        }
        const state = await this.sourceState(pipeline);
        const found = await pipeline.discovery.discover(state?.value, this.startTime(state), pollStart);
        this.parts.health.ok("storage");
        discovered.set(pipeline, {
          startTime: state?.value.startTime ?? this.parts.startTime?.toISOString(),
          scannedThrough: new Date(pollStart).toISOString(),
          roots: found.roots,
          rootsRefreshedAt: found.rootsRefreshedAt,
        });
        if (!state?.value.scannedThrough && found.blobs.length > 0) {
          this.deliveredBefore.set(pipeline.source.url, Math.min(...found.blobs.map((b) => b.hour ?? pollStart)));
        }
        const blobs = [...found.blobs].sort((a, b) => (a.hour ?? 0) - (b.hour ?? 0) || a.name.localeCompare(b.name));
        // The next blob's checkpoint and block list are fetched while this one is read: storage
        // round trips no longer leave the decoder idle between blobs.
        let next = blobs.length > 0 ? this.prepare(pipeline, blobs[0]) : undefined;
        for (let i = 0; i < blobs.length && next; i++) {
          const blob = blobs[i];
          const prepared = next;
          next = i + 1 < blobs.length && !this.stopSignal.stopped ? this.prepare(pipeline, blobs[i + 1]) : undefined;
          try {
            const ready = await prepared;
            if (!ready || this.stopSignal.stopped) continue;
            const result = await forwardBlob(this.pipelineParts(pipeline), pipeline.source, ready, (stored) =>
              this.checkpoints.set(this.key(pipeline, blob.name), { stored, hour: blob.hour }),
            );
            reads.push({ pipeline, blob, result });
          } catch (error) {
            blobFailed(pipeline, blob.name, error);
          }
        }
      } catch (error) {
        incomplete.add(pipeline);
        failures++;
        this.noteFailure(error);
        log.error({ source: pipeline.source.url, err: error }, "Source not polled; retrying next poll.");
      }
    }

    await Promise.all(sources.map((s) => s.sink.flush()));
    for (const { pipeline, blob, result } of reads) {
      try {
        await result.settle();
      } catch (error) {
        blobFailed(pipeline, blob.name, error);
      }
    }
    if (failures === 0) this.parts.health.ok("intake");
    await this.recordCompletedSources(discovered, incomplete);
    this.evict(pollStart);

    const report: PollReport = {
      blobsRead: reads.length,
      tuplesRead: reads.reduce((sum, r) => sum + r.result.tuplesRead, 0),
      tuplesSent: sources.reduce((sum, s) => sum + s.sink.sent, 0) - sentBefore,
      bytesRead: reads.reduce((sum, r) => sum + r.result.bytesRead, 0),
      failures,
      changedWhileReading,
      standby,
    };
    metrics.polls.inc({ outcome: failures === 0 ? "complete" : "incomplete" });
    log.info({ ...report, durationMs: this.now() - pollStart }, "Poll finished.");
    return report;
  }

  private forget(pipeline: SourcePipeline): void {
    this.sourceStates.delete(pipeline.source.url);
    const prefix = this.key(pipeline, "");
    for (const key of this.checkpoints.keys()) if (key.startsWith(prefix)) this.checkpoints.delete(key);
  }

  private pipelineParts(pipeline: SourcePipeline): PipelineParts {
    const { store, deadLetters, metrics, log } = this.parts;
    return { reader: pipeline.reader, sink: pipeline.sink, store, deadLetters, metrics, log, stopSignal: this.stopSignal };
  }

  private startTime(state: Stored<SourceCheckpoint> | undefined): number | undefined {
    const recorded = state?.value.startTime ?? this.parts.startTime?.toISOString();
    return recorded === undefined ? undefined : Date.parse(recorded);
  }

  private key(pipeline: SourcePipeline, blobName: string): string {
    return `${pipeline.source.url}\n${blobName}`;
  }

  private async sourceState(pipeline: SourcePipeline): Promise<Stored<SourceCheckpoint> | undefined> {
    if (!this.sourceStates.has(pipeline.source.url)) {
      const state = await this.parts.store.readSource(pipeline.source);
      this.parts.health.ok("checkpoints");
      this.sourceStates.set(pipeline.source.url, state);
      if (state?.value.scannedThrough) this.deliveredBefore.set(pipeline.source.url, Date.parse(state.value.scannedThrough));
    }
    return this.sourceStates.get(pipeline.source.url);
  }

  /** The blob's checkpoint and read plan, or nothing when the listed ETag says it is unchanged. */
  private prepare(pipeline: SourcePipeline, blob: DiscoveredBlob): Promise<PreparedBlob | undefined> {
    const prepared = this.blobCheckpoint(pipeline, blob).then(async (stored) =>
      stored?.value.etag === blob.etag ? undefined : { stored, plan: await pipeline.reader.plan(blob.name, stored?.value) },
    );
    // Awaited in turn by the poll; a failure is reported for its blob there, not as unhandled here.
    prepared.catch(() => undefined);
    return prepared;
  }

  private async blobCheckpoint(pipeline: SourcePipeline, blob: DiscoveredBlob): Promise<Stored<BlobCheckpoint> | undefined> {
    const key = this.key(pipeline, blob.name);
    const cached = this.checkpoints.get(key);
    if (cached) return cached.stored;
    const stored = await this.parts.store.readBlob(pipeline.source, blob.name);
    this.checkpoints.set(key, { stored, hour: blob.hour });
    return stored;
  }

  /** Only a source whose every blob was delivered moves its scan window forward. */
  private async recordCompletedSources(discovered: Map<SourcePipeline, SourceCheckpoint>, incomplete: Set<SourcePipeline>): Promise<void> {
    for (const [pipeline, value] of discovered) {
      if (incomplete.has(pipeline) || this.stopSignal.stopped) continue;
      const url = pipeline.source.url;
      try {
        const etag = await this.parts.store.writeSource(pipeline.source, value, this.sourceStates.get(url)?.etag);
        this.sourceStates.set(url, { value, etag });
        this.deliveredBefore.set(url, Date.parse(value.scannedThrough!));
        this.parts.health.ok("checkpoints");
      } catch (error) {
        // A conflict means another replica moved the source on: read its version next time.
        this.sourceStates.delete(url);
        this.noteFailure(error);
        this.parts.log.warn({ source: url, err: error }, "Source checkpoint not written; the next poll scans the same hours again.");
      }
    }
  }

  /** Forget checkpoints of hours no poll will list again; the store keeps them. */
  private evict(pollStart: number): void {
    const horizon = pollStart - 3 * HOUR_MS;
    for (const [key, entry] of this.checkpoints) {
      if (entry.hour !== undefined && entry.hour < horizon && entry.stored?.value.etag) this.checkpoints.delete(key);
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
