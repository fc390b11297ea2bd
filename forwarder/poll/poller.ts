// One poll over every source: discover the blobs that may have changed, forward what is new in each,
// wait until the intake has acknowledged it all, then record the poll as the new point everything
// before which is delivered. A failure in one blob or source is logged and retried by the next poll
// from the last checkpoint; it never stops the others.

import type { CheckpointStore } from "../checkpoints/checkpoint-store";
import type { SourceLeases } from "../checkpoints/source-lease";
import { POLL_FINISHED_MSG } from "../contract";
import type { Logger } from "../log";
import type { ForwarderMetrics } from "../metrics";
import type { ListedBlob } from "../source/blob-listing";
import { hourPartition } from "../source/hour-partition";
import type { BlobAnnouncer } from "./blob-announcer";
import { forwardBlob, type PreparedBlob } from "./blob-forwarding";
import { PollRound, type PollReport } from "./poll-round";
import { Progress } from "./progress";
import { QueueHandover } from "./queue-handover";
import type { Readiness } from "./readiness";
import type { SourceContext } from "./source-context";

/** After the intake refused a key (401/403/404), how long before a poll tries that intake again. */
const KEY_REJECTED_PAUSE_MS = 300_000;

export interface PollerParts {
  readonly sources: readonly SourceContext[];
  readonly store: CheckpointStore;
  readonly leases: SourceLeases;
  readonly readiness: Readiness;
  readonly metrics: ForwarderMetrics;
  readonly log: Logger;
  /** The signal every source context carries: once aborted, no new reads. */
  readonly stopping: AbortSignal;
  readonly startTime?: Date;
  readonly now?: () => number;
  /**
   * Event mode: replicas share every source, so each blob is read under its own lease (a poll is then
   * the reconciliation listing, and forwardChanges() reads what the queue announced).
   */
  readonly blobLeases?: boolean;
  /** Event mode: where poll({ announce: true }) hands the changed blobs it finds, for any replica to read. */
  readonly announcer?: BlobAnnouncer;
}

export interface PollOptions {
  /**
   * Event mode's reconciliation while the queue answers: announce each changed blob on the queue
   * instead of reading it (until the queue refuses one: then the rest is read here, as before).
   */
  readonly announce?: boolean;
}

/** A blob a queue message says changed, for forwardChanges(). */
export interface ChangedBlob {
  readonly context: SourceContext;
  readonly blobName: string;
  /** The ETag the message announced: a checkpoint that reached it has nothing new to read. */
  readonly etag?: string;
}

/** What became of a changed blob: delivered (its messages may go), left to the replica reading it, or failed. */
export type ChangeOutcome = "delivered" | "refused" | "failed";

export class Poller {
  private readonly progress: Progress;
  private readonly now: () => number;
  private readonly handover?: QueueHandover;

  constructor(private readonly parts: PollerParts) {
    this.now = parts.now ?? Date.now;
    this.progress = new Progress(parts.store);
    if (parts.announcer) this.handover = new QueueHandover(this.progress, parts.announcer, parts.log);
    const started = this.now();
    parts.metrics.lagSince = () => {
      const instants = parts.sources.map((s) => this.progress.deliveredBeforeOf(s.source) ?? started);
      return instants.length > 0 ? Math.min(...instants) : undefined;
    };
  }

  /** Whether the checkpoint container exists and answers; readiness says so either way. */
  async checkCheckpoints(): Promise<boolean> {
    try {
      await this.parts.store.check();
      this.parts.readiness.ok("checkpoints");
      return true;
    } catch (error) {
      this.parts.readiness.observe(error);
      this.parts.log.error({ err: error }, "Checkpoint container not reachable.");
      return false;
    }
  }

  async poll(options: PollOptions = {}): Promise<PollReport> {
    const { sources, readiness, stopping } = this.parts;
    const round = new PollRound(this.now(), this.parts.log, (error) => readiness.observe(error));
    round.announcing = options.announce === true && this.handover !== undefined;
    const sentBefore = sources.reduce((sum, s) => sum + s.sink.sent, 0);
    for (const context of sources) {
      if (stopping.aborted) break;
      try {
        await this.pollSource(context, round);
      } catch (error) {
        round.sourceFailed(context, error, "Source not polled; retrying next poll.");
      }
    }
    await this.finish(round);
    await this.recordCompletedSources(round);
    this.progress.evict(round.started);
    return this.report(round, sentBefore);
  }

  /**
   * Event mode: reads what is new in each changed blob (each once, however many messages named it),
   * each under the blob's lease, from its checkpoint exactly as a poll would; resolves once everything
   * read is acknowledged and checkpointed, with each blob's outcome, keyed by changeKey().
   */
  async forwardChanges(changes: readonly ChangedBlob[], fields: Record<string, unknown> = {}): Promise<Map<string, ChangeOutcome>> {
    const { sources, readiness, stopping } = this.parts;
    const round = new PollRound(this.now(), this.parts.log, (error) => readiness.observe(error));
    const sentBefore = sources.reduce((sum, s) => sum + s.sink.sent, 0);
    const outcomes = new Map<string, ChangeOutcome>();
    for (const change of changes) {
      const key = changeKey(change.context, change.blobName);
      outcomes.set(key, "failed");
      if (stopping.aborted) break;
      try {
        const blob: ListedBlob = { name: change.blobName, etag: change.etag ?? "", size: 0, hour: hourPartition(change.blobName)?.hour };
        const read = await this.forwardLeased(change.context, blob, round);
        if (read === "refused") outcomes.set(key, "refused");
        else if (read === "up to date") outcomes.set(key, "delivered");
        else
          read.delivered.then(
            () => outcomes.set(key, "delivered"),
            () => undefined,
          );
      } catch (error) {
        round.blobFailed(change.context, change.blobName, error);
      }
    }
    await this.finish(round);
    this.progress.evict(round.started);
    this.report(round, sentBefore, { mode: "events", blobsChanged: changes.length, ...fields });
    return outcomes;
  }

  /** Sends what the sinks hold and waits until every blob read is acknowledged and checkpointed. */
  private async finish(round: PollRound): Promise<void> {
    const { sources, readiness } = this.parts;
    await Promise.all(sources.map((s) => s.sink.flush()));
    await round.settled();
    if (round.failures === 0) readiness.ok("intake");
  }

  private report(round: PollRound, sentBefore: number, fields: Record<string, unknown> = {}): PollReport {
    const { sources, metrics, log } = this.parts;
    const report = round.report(sources.reduce((sum, s) => sum + s.sink.sent, 0) - sentBefore);
    metrics.polls.inc({ outcome: report.failures === 0 ? "complete" : "incomplete" });
    log.info({ ...report, ...fields, durationMs: this.now() - round.started }, POLL_FINISHED_MSG);
    return report;
  }

  /**
   * Reads one blob under its own lease (event mode). Resolves with a promise of its delivery, or says
   * why nothing was read: another replica reads it, or its checkpoint already has what was announced.
   */
  private async forwardLeased(context: SourceContext, blob: ListedBlob, round: PollRound): Promise<{ delivered: Promise<void> } | "refused" | "up to date"> {
    const { leases } = this.parts;
    // Delivered under this very ETag already (by this replica, or by the one whose checkpoint it read
    // last): unchanged since, so neither a lease nor a checkpoint read is needed. A stale cache can
    // only hold an older ETag, which never matches.
    if (blob.etag !== "" && this.progress.deliveredEtag(context.source, blob.name) === blob.etag) return "up to date";
    if ((await leases.holdBlob(context.source, blob.name)) === "refused") return "refused";
    let delivery: Promise<void> | undefined;
    try {
      // Another replica may have moved the blob on since this one last read it.
      this.progress.forgetCachedBlob(context.source, blob.name);
      const ready = blob.etag === "" ? await this.prepareAlways(context, blob) : await this.prepare(context, blob);
      if (!ready || this.parts.stopping.aborted) return "up to date";
      if (!round.hasRoomForBlob()) {
        context.sink.seal();
        await round.roomForBlob();
      }
      const result = await forwardBlob(context, ready);
      let settled!: Promise<void>;
      round.read(context, blob.name, {
        ...result,
        settle: () => (settled = result.settle().finally(() => leases.releaseBlob(context.source, blob.name))),
      });
      delivery = settled;
      return { delivered: delivery };
    } finally {
      if (!delivery) await leases.releaseBlob(context.source, blob.name);
    }
  }

  private async pollSource(context: SourceContext, round: PollRound): Promise<void> {
    const { source, sink, discovery } = context;
    const { readiness, store } = this.parts;
    const lease = await this.parts.leases.hold(source);
    if (lease === "refused") {
      round.standby++;
      // The lag this replica reports follows the holder's stored window, not this replica's start:
      // in event mode every replica but the lister stands by here, and would report a lag that only grows.
      await this.progress.follow(source).catch(() => undefined);
      return;
    }
    const rejection = sink.keyRejection;
    if (rejection && round.started - rejection.at < KEY_REJECTED_PAUSE_MS) {
      // The key only changes with a restart: re-reading the backlog every poll would only cost reads.
      round.sourceFailed(context, rejection.error, "Intake refuses the key; not reading this source until the retry time.", {
        retryAt: new Date(rejection.at + KEY_REJECTED_PAUSE_MS).toISOString(),
      });
      return;
    }
    // Whoever held the source before may have moved it on: start from what the store says.
    if (lease === "acquired") this.progress.forgetSource(source);
    // What is read while progress cannot be stored is sent again by every later poll: while the
    // checkpoint container is failing, read nothing until it answers again.
    if (readiness.failing("checkpoints")) {
      await store.check();
      readiness.ok("checkpoints");
    }
    // Progress acknowledged while the container was failing is stored before anything new is read.
    await this.progress.saveUnsaved(source);
    const state = await this.progress.sourceState(source);
    const startTime = state?.value.startTime ?? this.parts.startTime?.toISOString();
    const found = await discovery.discover(state?.value, startTime === undefined ? undefined : Date.parse(startTime), round.started);
    readiness.ok("storage");
    round.listed(found.blobs.length);
    round.discovered.set(context, {
      startTime,
      scannedThrough: new Date(round.started).toISOString(),
      roots: found.roots,
      rootsRefreshedAt: found.rootsRefreshedAt,
    });
    if (!state?.value.scannedThrough && found.blobs.length > 0) {
      this.progress.noteFirstDiscovery(source, Math.min(...found.blobs.map((b) => b.hour ?? round.started)));
    }
    const blobs = [...found.blobs].sort((a, b) => (a.hour ?? 0) - (b.hour ?? 0) || a.name.localeCompare(b.name));
    await this.forwardBlobs(context, blobs, round);
  }

  private async forwardBlobs(context: SourceContext, blobs: readonly ListedBlob[], round: PollRound): Promise<void> {
    const { stopping } = this.parts;
    if (this.parts.blobLeases) {
      // Event mode's reconciliation: replicas reading events share the source, so each changed blob is
      // announced for any of them to read, or read here one at a time under its lease.
      for (const blob of blobs) {
        if (stopping.aborted) break;
        try {
          if (round.announcing && (await this.handover?.handOver(context, blob, round))) continue;
          if ((await this.forwardLeased(context, blob, round)) === "refused") round.leftToOther(context);
        } catch (error) {
          round.blobFailed(context, blob.name, error);
        }
      }
      return;
    }
    // The next blob's checkpoint and block list are fetched while this one is read: storage round
    // trips no longer leave the decoder idle between blobs.
    let next = blobs.length > 0 ? this.prepare(context, blobs[0]) : undefined;
    for (let i = 0; i < blobs.length && next; i++) {
      const blob = blobs[i];
      const prepared = next;
      next = i + 1 < blobs.length && !stopping.aborted ? this.prepare(context, blobs[i + 1]) : undefined;
      try {
        const ready = await prepared;
        if (!ready || stopping.aborted) continue;
        if (!round.hasRoomForBlob()) {
          // The oldest blobs may wait in the open batch for its age: send it now instead.
          context.sink.seal();
          await round.roomForBlob();
        }
        round.read(context, blob.name, await forwardBlob(context, ready));
      } catch (error) {
        round.blobFailed(context, blob.name, error);
      }
    }
  }

  /** The blob's progress and read plan, or nothing when the listed ETag says it is unchanged. */
  private prepare(context: SourceContext, blob: ListedBlob): Promise<PreparedBlob | undefined> {
    const prepared = this.progress
      .blob(context.source, blob.name, blob.hour)
      .then(async (progress) =>
        progress.reached?.etag === blob.etag ? undefined : { progress, plan: await context.reader.plan(blob.name, progress.reached) },
      );
    // Awaited in turn by the poll; a failure is reported for its blob there, not as unhandled here.
    prepared.catch(() => undefined);
    return prepared;
  }

  /** The blob's progress and read plan, whatever its ETag (an event that named none). */
  private async prepareAlways(context: SourceContext, blob: ListedBlob): Promise<PreparedBlob> {
    const progress = await this.progress.blob(context.source, blob.name, blob.hour);
    return { progress, plan: await context.reader.plan(blob.name, progress.reached) };
  }

  /** Only a source whose every blob was delivered (or, while announcing, handed to the queue) moves its scan window forward. */
  private async recordCompletedSources(round: PollRound): Promise<void> {
    const { readiness, log, stopping } = this.parts;
    for (const [context, value] of round.discovered) {
      if (!round.isComplete(context) || stopping.aborted) continue;
      try {
        await this.progress.recordSource(context.source, value);
        readiness.ok("checkpoints");
      } catch (error) {
        readiness.observe(error);
        log.warn({ source: context.source.url, err: error }, "Source checkpoint not written; the next poll scans the same hours again.");
      }
    }
  }
}

/** How forwardChanges() names a blob in its outcomes. */
export function changeKey(context: SourceContext, blobName: string): string {
  return `${context.source.url}\n${blobName}`;
}
