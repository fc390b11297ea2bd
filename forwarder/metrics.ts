// The Prometheus metrics served on /metrics. One registry per forwarder instance so tests can run
// several in one process.

import { Counter, Gauge, Histogram, Registry } from "prom-client";

export class ForwarderMetrics {
  readonly registry = new Registry();
  readonly tuplesRead = this.counter("flowlog_tuples_read_total", "Flow tuples decoded from storage.", ["kind"]);
  readonly tuplesSent = this.counter("flowlog_tuples_sent_total", "Flow tuples acknowledged by the intake.", ["kind"]);
  readonly bytesRead = this.counter("flowlog_bytes_read_total", "Bytes of blob content downloaded.", ["kind"]);
  readonly batches = this.counter("flowlog_batches_total", "Intake requests by outcome.", ["kind", "outcome"]);
  readonly retries = this.counter("flowlog_retries_total", "Intake requests retried, by reason.", ["kind", "reason"]);
  readonly malformed = this.counter("flowlog_malformed_total", "Malformed input skipped and dead-lettered, by reason.", ["kind", "reason"]);
  readonly storageErrors = this.counter("flowlog_storage_errors_total", "Failed storage operations, by area.", ["area"]);
  readonly blobRewrites = this.counter("flowlog_blob_rewrites_total", "Blobs whose committed blocks no longer extend what was read.", ["kind"]);
  readonly storageRequests = this.counter("flowlog_storage_requests_total", "Storage requests made, by operation.", ["operation"]);
  readonly polls = this.counter("flowlog_polls_total", "Polls by outcome.", ["outcome"]);
  readonly eventLatency = new Histogram({
    name: "flowlog_event_to_ack_seconds",
    help: "Event mode: from the BlobCreated event's time to the intake's acknowledgement of what it announced (Event Grid's events; not the reconciliation's).",
    buckets: [0.5, 1, 2, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  readonly lagSeconds = new Gauge({
    name: "flowlog_lag_seconds",
    help: "Age of the oldest data that may be committed but not yet acknowledged by the intake.",
    registers: [this.registry],
    collect: () => {
      const since = this.lagSince();
      this.lagSeconds.set(since === undefined ? 0 : Math.max(0, (Date.now() - since) / 1000));
    },
  });
  readonly queueOldestMessageAge = new Gauge({
    name: "flowlog_queue_oldest_message_age_seconds",
    help: "Event mode: age of the oldest message waiting in the blob-events queue when last looked at (0 when none waits).",
    registers: [this.registry],
    collect: () => {
      const since = this.queueOldestSince;
      this.queueOldestMessageAge.set(since === undefined ? 0 : Math.max(0, (Date.now() - since) / 1000));
    },
  });

  readonly dependencyUp = new Gauge({
    name: "flowlog_dependency_up",
    help: "1 when the dependency answered at its last use, 0 when it failed (/readyz says why).",
    labelNames: ["dependency"],
    registers: [this.registry],
    collect: () => {
      for (const [dependency, up] of Object.entries(this.dependencies())) this.dependencyUp.set({ dependency }, up ? 1 : 0);
    },
  });

  /** Health of each dependency; set by the app from its HealthState. */
  dependencies: () => Record<string, boolean> = () => ({});

  /** Event mode: when the oldest message waiting in the queue was put, as last seen; undefined when none waits. */
  queueOldestSince: number | undefined = undefined;

  /** Instant before which everything committed is known delivered; set by the forwarder. */
  lagSince: () => number | undefined = () => undefined;

  private counter<L extends string>(name: string, help: string, labelNames: L[]): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }
}
