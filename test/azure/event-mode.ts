// The acceptance tier's event-mode run (`ACCEPTANCE_MODE=events npm run test:azure`), its decisions
// kept free of Azure calls so npm test checks them. Event mode is refused with privateNetworking, so
// it is a run of its own beside public and private: the public run with two forwarder replicas
// (forwarderScale 2..2, docs/scaling.md) and two traffic VMs, so the VNet flow log writes two
// PT1H.json blobs an hour (one per NIC's MAC address) and a replica finds a blob to read while the
// other holds the lease of the first.
//
// Once tuples arrive, the run waits until both replicas delivered tuples from queue messages. It reads
// that from the forwarder's "Poll finished." lines in the workspace: an event pass logs
// `mode: "events"` (Poller.forwardChanges), a reconciliation listing logs no mode, and
// ContainerGroupName is the replica (the pod) that wrote the line, per Azure Monitor's
// ContainerAppConsoleLogs reference. Tuples that came from listings alone mean no event reached the
// replicas: the run then names Event Grid and the queue as the side to look at.
import { BLOB_EVENTS_QUEUE, POLL_FINISHED_MSG } from "../../forwarder/contract";
import { forwarderEntries } from "../../infra/monitoring/alert-queries";
import type { AcceptanceMode, LogRow } from "./decisions";

/** Two replicas, always both up: each must take work from the queue for the run to pass. */
export const EVENT_SCALE = { minReplicas: 2, maxReplicas: 2 } as const;

/** The fixture's traffic VMs, one NIC (so one PT1H.json blob an hour) each: in event mode, one per replica. */
export function trafficVms(mode: AcceptanceMode): number {
  return mode === "events" ? EVENT_SCALE.maxReplicas : 1;
}

/** The stack config of the event-mode run: the public run's, with forwarderScale. */
export function eventStackConfig(base: Readonly<Record<string, { value: string; secret?: boolean }>>): Record<string, { value: string; secret?: boolean }> {
  return { ...base, forwarderScale: { value: JSON.stringify(EVENT_SCALE) } };
}

/** KQL: per replica (ContainerGroupName) and kind of pass (`mode`: "events", or "" for a listing), the passes finished and the tuples they sent. */
export function eventPassQuery(appName: string): string {
  return [
    ...forwarderEntries(appName, { ContainerGroupName: "string" }),
    `| where tostring(entry.msg) == "${POLL_FINISHED_MSG}"`,
    "| summarize passes = count(), tuplesSent = sum(tolong(entry.tuplesSent)) by replica = ContainerGroupName, mode = tostring(entry.mode)",
  ].join("\n");
}

/** What one replica's lines show. */
export interface ReplicaWork {
  readonly replica: string;
  /** Batches of queue messages it finished, and the tuples they sent. */
  readonly eventPasses: number;
  readonly eventTuples: number;
  /** Reconciliation listings it finished (a standby one sends nothing), and the tuples they sent. */
  readonly listingPasses: number;
  readonly listingTuples: number;
}

/**
 * eventPassQuery's rows folded per replica, by name. Values may come as text (az prints them so). A
 * replica rescheduled onto a new pod shows as another one: the lines know pods, not replica slots.
 */
export function replicaWork(rows: readonly LogRow[]): ReplicaWork[] {
  const work = new Map<string, { eventPasses: number; eventTuples: number; listingPasses: number; listingTuples: number }>();
  for (const row of rows) {
    // An empty column would merge every replica into one: name it, so the failure points at the column.
    const replica = String(row.replica ?? "") || "(no ContainerGroupName)";
    const sum = work.get(replica) ?? { eventPasses: 0, eventTuples: 0, listingPasses: 0, listingTuples: 0 };
    const passes = Number(row.passes) || 0;
    const tuples = Number(row.tuplesSent) || 0;
    if (row.mode === "events") work.set(replica, { ...sum, eventPasses: sum.eventPasses + passes, eventTuples: sum.eventTuples + tuples });
    else work.set(replica, { ...sum, listingPasses: sum.listingPasses + passes, listingTuples: sum.listingTuples + tuples });
  }
  return [...work.entries()].map(([replica, sum]) => ({ replica, ...sum })).sort((a, b) => a.replica.localeCompare(b.replica));
}

/** The replicas that sent tuples read from queue messages. */
export function replicasThatDelivered(rows: readonly LogRow[]): ReplicaWork[] {
  return replicaWork(rows).filter((r) => r.eventTuples > 0);
}

/** "ca-x-abc: 812 tuples, ca-x-def: 40 tuples", of the tuples replicas sent from queue messages. */
export function describeDeliveries(replicas: readonly ReplicaWork[]): string {
  return replicas.map((r) => `${r.replica}: ${r.eventTuples} tuples`).join(", ");
}

/** Undefined once `expected` replicas delivered from queue messages; else what the lines show instead, and where to look. */
export function eventModeShortfall(rows: readonly LogRow[], expected: number = EVENT_SCALE.minReplicas): string | undefined {
  const work = replicaWork(rows);
  if (work.length === 0) return `event mode: no replica logged a finished pass ("${POLL_FINISHED_MSG}") in ContainerAppConsoleLogs`;
  if (work.every((r) => r.eventPasses === 0)) {
    const listed = work.reduce((sum, r) => sum + r.listingTuples, 0);
    const by = work.map((r) => `${r.replica}: ${r.listingTuples}`).join(", ");
    return (
      `event mode: no event pass ran; every tuple sent (${listed}; ${by}) came from reconciliation listings, so no BlobCreated event ` +
      `reached the replicas: look at the Event Grid system topic's subscription on the flow-log account (its delivery failures and ` +
      `dead letters) and the queue ${BLOB_EVENTS_QUEUE} in the checkpoint account`
    );
  }
  const delivered = work.filter((r) => r.eventTuples > 0);
  if (delivered.length >= expected) return undefined;
  const idle = work
    .filter((r) => r.eventTuples === 0)
    .map((r) =>
      r.eventPasses > 0
        ? `${r.replica} finished ${r.eventPasses} event passes and sent nothing (each blob it was handed was leased by another replica or already read)`
        : `${r.replica} finished ${r.listingPasses} listings and no event pass`,
    );
  const silent = expected - work.length;
  if (silent > 0) idle.push(`${silent} more logged no pass (\`az containerapp replica list\` shows whether it runs)`);
  const found = delivered.length > 0 ? ` (${describeDeliveries(delivered)})` : "";
  return `event mode: ${delivered.length} ${delivered.length === 1 ? "replica" : "replicas"} delivered from queue messages${found}; expected ${expected}: ${idle.join("; ")}`;
}
