// Assembles a forwarder from its configuration: storage clients, checkpoint and dead-letter stores,
// one Sekoia sink per kind of flow log, one context per source (its discovery, reader and sink), the
// poller over them, and the one signal that stops them all.

import { CheckpointStore } from "../checkpoints/checkpoint-store";
import { DeadLetterStore } from "../checkpoints/dead-letter";
import { SourceLeases } from "../checkpoints/source-lease";
import type { ForwarderConfig } from "../config";
import type { FlowLogKind } from "../contract";
import type { Logger } from "../log";
import { ForwarderMetrics } from "../metrics";
import { BlobAnnouncer } from "../poll/blob-announcer";
import { BlobEventPump } from "../poll/blob-event-pump";
import { Poller } from "../poll/poller";
import { QueueAge } from "../poll/queue-age";
import { Readiness } from "../poll/readiness";
import type { SourceContext } from "../poll/source-context";
import { IntakeClient } from "../sink/intake-client";
import { DEFAULT_BACKOFF } from "../sink/retry";
import { SekoiaSink } from "../sink/sekoia-sink";
import { BlobDiscovery } from "../source/blob-discovery";
import { BlobEventQueue } from "../source/blob-events";
import { BlockReader } from "../source/block-reader";
import { containerClient } from "../source/storage-client";

// The forwarder's memory budget is made of these bounds (npm run bench, test/bench/results.md):
// two runs per reader (one decoding, one prefetched, in reused buffers); one record's parsed form and
// events at a time (the splitter parses block by block, the reader looks at backpressure after each
// record); per sink a fixed pool of body buffers (the open batch, two awaiting compression, one
// record's overflow) and one of compressed bodies (INTAKE_CONCURRENCY queued plus INTAKE_CONCURRENCY
// in flight); per blob, its delivery state only until it is delivered, for at most 64 blobs
// (poll/poll-round.ts); listings a page of 500 entries at a time (source/blob-listing.ts); in event
// mode, the blobs the reconciliation announced, at most 10,000 names, about 4 MB
// (poll/blob-announcer.ts); and the old generation let grow by half its live set
// (service/gc-policy.ts). 512 KiB batches cost throughput (overhead ratio 1.50 against 1.21 at
// 1 MiB); 2 MiB runs left more garbage between collections.
/** Runs of blocks downloaded at once; two are held at a time (one decoding, one prefetched). */
const MAX_RUN_BYTES = 512 * 1024;
const MAX_BATCH_BYTES = 1024 * 1024;
const MAX_BATCH_AGE_MS = 2_000;
const INTAKE_CONCURRENCY = 4;

export interface AppOptions {
  /** Give a batch up after retrying this long (--once); service mode retries until shutdown. */
  readonly maxRetryMs?: number;
}

export interface App {
  readonly poller: Poller;
  /** Event mode (BLOB_EVENTS_QUEUE_URL set): takes blob-changed messages; the poller then only reconciles. */
  readonly pump?: BlobEventPump;
  /** Event mode: keeps flowlog_queue_oldest_message_age_seconds (run.ts peeks and reports empty receives). */
  readonly queueAge?: QueueAge;
  /** One per configured source, in configuration order. */
  readonly sources: readonly SourceContext[];
  readonly leases: SourceLeases;
  readonly sinks: readonly SekoiaSink[];
  readonly metrics: ForwarderMetrics;
  readonly readiness: Readiness;
  /** Where checkpoints, leases and dead letters live; its first contact is service/startup.ts. */
  readonly store: CheckpointStore;
  /** Aborted by stop(). */
  readonly stopping: AbortSignal;
  /** Stop reading; what was read is still delivered and checkpointed by the poll under way. */
  stop(): void;
}

export function createApp(config: ForwarderConfig, log: Logger, options: AppOptions = {}): App {
  const metrics = new ForwarderMetrics();
  const readiness = new Readiness(metrics);
  const stop = new AbortController();
  metrics.dependencies = () => Object.fromEntries(Object.entries(readiness.report()).map(([dependency, state]) => [dependency, state === "ok"]));
  const store = new CheckpointStore(containerClient(config.checkpoint), metrics);
  const deadLetters = new DeadLetterStore(store, metrics);
  const client = new IntakeClient(config.intakeUrl, config.requestTimeoutSeconds * 1000);
  const sinks = new Map<FlowLogKind, SekoiaSink>();
  for (const [kind, intakeKey] of Object.entries(config.intakeKeys) as [FlowLogKind, string][]) {
    sinks.set(
      kind,
      new SekoiaSink({
        kind,
        intakeKey,
        client,
        maxBatchBytes: MAX_BATCH_BYTES,
        maxBatchAgeMs: MAX_BATCH_AGE_MS,
        concurrency: INTAKE_CONCURRENCY,
        backoff: DEFAULT_BACKOFF,
        maxRetryMs: options.maxRetryMs,
        metrics,
        log,
        onIntakeProblem: (problem) => (problem ? readiness.fail("intake", `${kind} intake ${problem}`) : readiness.ok("intake")),
        deadLetter: async (k, events, reason) => {
          await deadLetters.writeRejectedEvents(k, events, reason);
        },
      }),
    );
  }
  const sources = config.sources.map((source): SourceContext => {
    const container = containerClient(source);
    return {
      source,
      discovery: new BlobDiscovery(container, metrics),
      reader: new BlockReader(container, metrics, MAX_RUN_BYTES),
      // loadConfig demands a key, hence a sink, for every kind a source has.
      sink: sinks.get(source.kind)!,
      deadLetters,
      metrics,
      log,
      stopping: stop.signal,
    };
  });
  const leases = new SourceLeases(store, metrics, log);
  const queue = config.eventsQueue ? new BlobEventQueue(config.eventsQueue, metrics) : undefined;
  readiness.watchesQueue = queue !== undefined;
  const poller = new Poller({
    sources,
    store,
    leases,
    readiness,
    metrics,
    log,
    stopping: stop.signal,
    startTime: config.startTime,
    blobLeases: queue !== undefined,
    announcer: queue && new BlobAnnouncer(queue),
  });
  const pump = queue && new BlobEventPump({ queue, poller, sources, readiness, metrics, log });
  const queueAge = queue && new QueueAge(queue, metrics, log);
  return { poller, pump, queueAge, sources, leases, sinks: [...sinks.values()], metrics, readiness, store, stopping: stop.signal, stop: () => stop.abort() };
}
