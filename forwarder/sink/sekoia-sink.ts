// The Sekoia sink for one intake (one kind of flow log): batches events by bytes and age, sends up to
// `concurrency` requests at once, retries what may succeed later, and reports every batch to the
// owners of its events as acknowledged or failed. Nothing is acknowledged that the intake did not
// accept or that was not kept in the dead-letter store.

import { IntakeKeyRejectedError, IntakeUnavailableError, ShuttingDownError } from "../errors";
import type { FlowLogKind } from "../contract";
import type { Logger } from "../log";
import type { ForwarderMetrics } from "../metrics";
import { BodyBuffers } from "./body-buffers";
import { GzipCompressor } from "./gzip-compressor";
import { bodyHead, IntakeBatch, type DeliveryOwner } from "./intake-batch";
import type { IntakeClient } from "./intake-client";
import { retryDelayMs, type BackoffOptions } from "./retry";

/** Failed attempts of one batch before the intake counts as failing (one or two are routine). */
const REPORTED_AFTER_ATTEMPTS = 3;

/**
 * Batches the events of one record fill between two looks at backpressure (the reader looks after
 * each record). Each tuple's event carries its record's fields, 6 to 9 times the tuple's share of the
 * blob, so a record of 200 KB (about 1,000 tuples, more than Azure writes per minute and NIC) fills two.
 */
const BATCHES_FILLED_BY_ONE_RECORD = 2;

/** Sealed batches whose body may wait to be compressed before the reader is held back. */
const MAX_UNCOMPRESSED = 2;

/** Sekoia's SDK keeps bodies under 0.9 x 10 MiB; we stay well inside that. */
export const MAX_BODY_BYTES = Math.floor(0.9 * 10 * 1024 * 1024);

export interface SinkOptions {
  readonly kind: FlowLogKind;
  readonly intakeKey: string;
  readonly client: IntakeClient;
  readonly maxBatchBytes: number;
  readonly maxBatchAgeMs: number;
  readonly concurrency: number;
  readonly backoff: BackoffOptions;
  /** Give a batch up after retrying this long (the --once mode); unbounded when absent. */
  readonly maxRetryMs?: number;
  readonly metrics: ForwarderMetrics;
  readonly log: Logger;
  /**
   * Told when the intake has kept failing past the retry of a batch's third attempt (a problem to
   * report), and when it accepts a batch again (undefined): readiness follows the intake meanwhile,
   * while the poll waits in flush.
   */
  readonly onIntakeProblem?: (problem: string | undefined) => void;
  /** Keeps events the intake refused for good; they count as handled once this resolves. */
  readonly deadLetter: (kind: FlowLogKind, events: readonly string[], reason: string) => Promise<void>;
}

export class SekoiaSink {
  private open: IntakeBatch;
  private readonly queue: IntakeBatch[] = [];
  private inFlight = 0;
  /** Sealed batches whose body is not compressed yet: each holds one of `buffers`. */
  private uncompressed = 0;
  private ageTimer?: NodeJS.Timeout;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly roomWaiters: (() => void)[] = [];
  private readonly aborter = new AbortController();
  private readonly head: Buffer;
  private readonly buffers: BodyBuffers;
  private readonly compressor: GzipCompressor;
  /** Set when the intake refused the key (or URL); cleared by the next accepted batch. */
  keyRejection?: { readonly at: number; readonly error: IntakeKeyRejectedError };
  /** Events acknowledged since this sink was made. */
  sent = 0;

  constructor(private readonly options: SinkOptions) {
    if (options.maxBatchBytes > MAX_BODY_BYTES) throw new RangeError(`maxBatchBytes above ${MAX_BODY_BYTES}`);
    this.head = bodyHead(options.intakeKey);
    // A buffer is held from a batch's first event until its body is compressed: by the open batch and
    // by the sealed ones waiting for compression (held to MAX_UNCOMPRESSED by backpressure), plus the
    // batches one record fills before the reader next looks. The pool keeps that many: a buffer
    // dropped and made again later is memory glibc keeps without reusing it.
    this.buffers = new BodyBuffers(options.maxBatchBytes, 1 + MAX_UNCOMPRESSED + BATCHES_FILLED_BY_ONE_RECORD);
    // A compressed body is held from sealing until the intake has answered: by the queued batches
    // (backpressure, plus what one record fills), those in flight (concurrency), and the two halves of
    // a 413 split. Only the bytes written into a buffer become resident, about a fifth of its size.
    const sealedBatches = options.concurrency + BATCHES_FILLED_BY_ONE_RECORD + options.concurrency;
    this.compressor = new GzipCompressor(new BodyBuffers(options.maxBatchBytes, sealedBatches + 2));
    this.open = this.newBatch();
  }

  /** Adds one event, quoted as it goes into the body (see DecodeOutput.event), numbered `seq` by its owner. */
  push(quotedEvent: string, owner: DeliveryOwner, seq: number): void {
    if (this.aborter.signal.aborted) {
      owner.fail(new ShuttingDownError());
      return;
    }
    const cost = IntakeBatch.cost(quotedEvent);
    if (this.open.size > 0 && this.open.bytes + cost > this.options.maxBatchBytes) this.seal();
    this.open.add(quotedEvent, cost, owner, seq);
    if (this.open.size === 1) {
      this.ageTimer = setTimeout(() => this.seal(), this.options.maxBatchAgeMs);
    }
  }

  /** A promise to await before pushing more, when enough batches already wait to be compressed or sent. */
  backpressure(): Promise<void> | undefined {
    if (this.hasRoom()) return undefined;
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /** Sends what is batched and resolves once every batch has been acknowledged or failed. */
  flush(): Promise<void> {
    this.seal();
    if (this.inFlight === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Shutdown: stop retrying and abandon in-flight requests; their events stay unacknowledged. */
  abort(): void {
    this.aborter.abort();
    this.seal();
  }

  /** Closes the open batch and queues it for sending, without waiting for it to fill or age. */
  seal(): void {
    clearTimeout(this.ageTimer);
    if (this.open.size === 0) return;
    // Compression starts now; send() awaits the body, and reports a failure there.
    this.uncompressed++;
    void this.open
      .seal()
      .catch(() => undefined)
      .then(() => {
        this.uncompressed--;
        this.wakeReader();
      });
    this.queue.push(this.open);
    this.open = this.newBatch();
    this.pump();
  }

  private newBatch(): IntakeBatch {
    return new IntakeBatch(this.head, this.compressor, this.buffers.take(), this.buffers);
  }

  private pump(): void {
    while (this.inFlight < this.options.concurrency && this.queue.length > 0) {
      const batch = this.queue.shift()!;
      this.inFlight++;
      this.wakeReader();
      void this.deliver(batch).finally(() => {
        this.inFlight--;
        this.pump();
        if (this.inFlight === 0 && this.queue.length === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve());
      });
    }
  }

  private hasRoom(): boolean {
    return this.queue.length < this.options.concurrency && this.uncompressed < MAX_UNCOMPRESSED;
  }

  /** Wakes the reader only once both bounds hold again, not on every batch that moves on. */
  private wakeReader(): void {
    if (this.hasRoom()) this.roomWaiters.splice(0).forEach((resolve) => resolve());
  }

  private async deliver(batch: IntakeBatch): Promise<void> {
    try {
      await this.send(batch);
    } catch (error) {
      batch.fail(error as Error);
    } finally {
      batch.release();
    }
  }

  /** Sends one batch until it is accepted, dead-lettered or failed for good (throws). */
  private async send(batch: IntakeBatch): Promise<void> {
    const { kind, metrics, log, client } = this.options;
    const signal = this.aborter.signal;
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) throw new ShuttingDownError();
      const { outcome, acceptedEvents } = await client.post(await batch.seal(), signal).catch((error) => {
        if (signal.aborted) throw new ShuttingDownError();
        throw error;
      });
      switch (outcome.kind) {
        case "delivered":
          metrics.batches.inc({ kind, outcome: "delivered" });
          metrics.tuplesSent.inc({ kind }, batch.size);
          if (acceptedEvents !== undefined && acceptedEvents !== batch.size) {
            log.warn({ kind, sent: batch.size, acceptedEvents }, "Intake acknowledged a different number of events than sent.");
          }
          this.keyRejection = undefined;
          this.options.onIntakeProblem?.(undefined);
          this.sent += batch.size;
          batch.acknowledge();
          return;
        case "key_rejected":
          metrics.batches.inc({ kind, outcome: "key_rejected" });
          this.keyRejection = { at: Date.now(), error: new IntakeKeyRejectedError(kind, outcome.status) };
          throw this.keyRejection.error;
        case "too_large":
          metrics.batches.inc({ kind, outcome: "too_large" });
          if (batch.size > 1) {
            log.warn({ kind, events: batch.size, bytes: batch.bytes }, "Intake answered 413; sending the batch in halves.");
            for (const half of await batch.split()) {
              try {
                await this.send(half);
              } finally {
                half.release();
              }
            }
            return;
          }
          await this.rejectForGood(batch, "the intake answered 413 to a single event");
          return;
        case "rejected":
          metrics.batches.inc({ kind, outcome: "rejected" });
          await this.rejectForGood(batch, `the intake answered ${outcome.status}`);
          return;
        case "retry": {
          metrics.retries.inc({ kind, reason: outcome.reason });
          const elapsed = Date.now() - started;
          if (this.options.maxRetryMs !== undefined && elapsed >= this.options.maxRetryMs) {
            throw new IntakeUnavailableError(`${outcome.reason} for ${Math.round(elapsed / 1000)} s`);
          }
          if (attempt >= REPORTED_AFTER_ATTEMPTS) {
            this.options.onIntakeProblem?.(`failing for ${Math.round(elapsed / 1000)} s (${outcome.reason}); retrying`);
          }
          const delay = retryDelayMs(this.options.backoff, attempt, outcome.retryAfterMs);
          log.warn({ kind, reason: outcome.reason, attempt, delayMs: Math.round(delay) }, "Intake request failed; retrying.");
          await sleep(delay, signal);
        }
      }
    }
  }

  private async rejectForGood(batch: IntakeBatch, reason: string): Promise<void> {
    const events = await batch.events();
    this.options.log.error({ kind: this.options.kind, events: events.length, reason }, "Intake rejected events for good; keeping them as dead letters.");
    await this.options.deadLetter(this.options.kind, events, reason);
    batch.acknowledge();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

export type { DeliveryOwner } from "./intake-batch";
