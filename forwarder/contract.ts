// What the Pulumi program (infra/) and the forwarder must agree on, kept once and imported by both: the
// containers Azure writes flow logs to, the environment the app sets and the forwarder reads (names and
// defaults), the health port and paths the probes call, and the log line an alert queries. Plain
// values only, so both the bundle and the Pulumi program can load it.

/** The two kinds (infra: families) of flow log: they differ in container, decoding and intake key. */
export type FlowLogKind = "nsg" | "vnet";

/** Containers Azure writes each kind's blobs to (fixed by Azure). */
export const FLOW_LOG_CONTAINERS: Readonly<Record<FlowLogKind, string>> = {
  nsg: "insights-logs-networksecuritygroupflowevent",
  vnet: "insights-logs-flowlogflowevent",
};

/** Names of the environment variables the forwarder reads. */
export const VARIABLES = {
  sources: "FLOWLOG_SOURCES",
  accountSubscriptions: "FLOWLOG_ACCOUNT_SUBSCRIPTIONS",
  checkpointUrl: "CHECKPOINT_URL",
  intakeUrl: "SEKOIA_INTAKE_URL",
  pollIntervalSeconds: "POLL_INTERVAL_SECONDS",
  requestTimeoutSeconds: "SEKOIA_REQUEST_TIMEOUT_SECONDS",
  healthPort: "HEALTH_PORT",
  startTime: "FORWARDER_START_TIME",
  logLevel: "LOG_LEVEL",
  eventsQueueUrl: "BLOB_EVENTS_QUEUE_URL",
  reconcileIntervalSeconds: "RECONCILE_INTERVAL_SECONDS",
} as const;

/** `SEKOIA_NSG_INTAKE_KEY`, `SEKOIA_VNET_INTAKE_KEY`. */
export function intakeKeyVariable(kind: FlowLogKind): string {
  return `SEKOIA_${kind.toUpperCase()}_INTAKE_KEY`;
}

/** What the forwarder uses when a variable is not set; the Pulumi program sets these same values. */
export const DEFAULTS = {
  intakeUrl: "https://intake.sekoia.io",
  pollIntervalSeconds: 30,
  requestTimeoutSeconds: 30,
  healthPort: 8080,
  logLevel: "info",
  reconcileIntervalSeconds: 900,
} as const;

/** The queue Event Grid delivers the flow-log accounts' BlobCreated events to (event mode), in the stack's storage. */
export const BLOB_EVENTS_QUEUE = "flowlog-blob-events";

/** Served on the health port: liveness (every probe of the app calls it), dependency status as JSON, Prometheus metrics. */
export const HEALTH_PATHS = { liveness: "/healthz", readiness: "/readyz", metrics: "/metrics" } as const;

/** The `msg` of the forwarder's end-of-poll log line (fields tuplesRead, tuplesSent): the no-delivery alert queries it verbatim. */
export const POLL_FINISHED_MSG = "Poll finished.";
