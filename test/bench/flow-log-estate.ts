// Realistic flow-log data for the benchmark: many NICs, each with an hourly PT1H.json blob that grows by
// one record a minute, committed block by block as Azure does (test/helpers/flow-logs.ts). Records hold
// one to four rules of 10 to 99 tuples each (tens to hundreds per record), NSG Version 2 and VNet v4.

import type { ContainerClient } from "@azure/storage-blob";
import type { FlowLogKind } from "../../forwarder/contract";
import { FLOW_LOG_CONTAINERS } from "../../forwarder/contract";
import { AzureFlowLogBlob, FlowLogGenerator, nsgBlobName, nsgResourceId, vnetBlobName } from "../helpers/flow-logs";
import { seededRandom } from "../helpers/seeded-random";

export const CONTAINERS = FLOW_LOG_CONTAINERS;
export const KEYS: Readonly<Record<FlowLogKind, string>> = { nsg: "bench-nsg-intake-key-0001", vnet: "bench-vnet-intake-key-0002" };

const SUBSCRIPTION = "00000000-0000-0000-0000-00000000bec4";
const HEAD_AND_TAIL_BYTES = '{"records":['.length + "]}".length;

export interface RecordSize {
  readonly rules: number;
  readonly tuplesPerRule: number;
}

/** One NIC's hourly blob, appended to a record at a time. */
export class NicLog {
  readonly blob: AzureFlowLogBlob;
  tuples = 0;
  /** Size of the committed document, head and tail included. */
  bytes = HEAD_AND_TAIL_BYTES;
  private readonly resourceId: string;
  private readonly flowLogId: string;

  constructor(
    private readonly gen: FlowLogGenerator,
    readonly kind: FlowLogKind,
    container: ContainerClient,
    private readonly mac: string,
    hour: Date,
    group: number,
  ) {
    this.resourceId = nsgResourceId(SUBSCRIPTION, `rg-bench-${group}`, `nsg-${group}`);
    this.flowLogId = `/SUBSCRIPTIONS/${SUBSCRIPTION}/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NW/FLOWLOGS/VNET-${group}`;
    const name = kind === "nsg" ? nsgBlobName(this.resourceId, hour, mac) : vnetBlobName(this.flowLogId, hour, mac);
    this.blob = new AzureFlowLogBlob(container, name);
  }

  /** Appends `count` records of time `time`, one block each, and commits the block list once. */
  async append(time: Date, sizes: readonly RecordSize[]): Promise<void> {
    const records = sizes.map((size) => {
      const shape = { time, mac: this.mac, ...size };
      const vnetId = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-bench/providers/Microsoft.Network/virtualNetworks/vnet-bench`;
      return this.kind === "nsg" ? this.gen.nsgRecord(this.resourceId, shape) : this.gen.vnetRecord(vnetId, this.flowLogId, shape);
    });
    for (const { record, tuples } of records) {
      this.bytes += JSON.stringify(record).length + (this.tuples === 0 ? 0 : 1);
      this.tuples += tuples.length;
    }
    await this.blob.append(records.map((r) => r.record));
  }
}

/** Draws record sizes: 1 to 4 rules of 10 to 99 tuples. */
export function recordSizes(seed: number): () => RecordSize {
  const random = seededRandom(seed);
  return () => ({ rules: 1 + Math.floor(random() * 4), tuplesPerRule: 10 + Math.floor(random() * 90) });
}

export function macAddress(kind: FlowLogKind, n: number): string {
  return (kind === "nsg" ? "002248" : "6045BD") + n.toString(16).toUpperCase().padStart(6, "0");
}

export interface EstateSummary {
  readonly blobs: number;
  readonly tuples: number;
  readonly bytes: number;
}

/**
 * Writes `nics` blobs per kind for `hour`, each a full hour of one record a minute, several blobs at a
 * time. Returns what was written.
 */
export async function writeEstate(
  containers: Readonly<Record<FlowLogKind, ContainerClient>>,
  options: { readonly nicsPerKind: number; readonly minutes: number; readonly hour: Date; readonly seed: number },
): Promise<EstateSummary> {
  const gen = new FlowLogGenerator(options.seed);
  const size = recordSizes(options.seed + 1);
  const logs: NicLog[] = [];
  for (const kind of ["nsg", "vnet"] as const) {
    for (let n = 0; n < options.nicsPerKind; n++) logs.push(new NicLog(gen, kind, containers[kind], macAddress(kind, n), options.hour, n % 8));
  }
  await inParallel(logs, 8, async (log) => {
    for (let minute = 0; minute < options.minutes; minute++) {
      await log.append(new Date(options.hour.getTime() + minute * 60_000), [size()]);
    }
  });
  return {
    blobs: logs.length,
    tuples: logs.reduce((sum, l) => sum + l.tuples, 0),
    bytes: logs.reduce((sum, l) => sum + l.bytes, 0),
  };
}

export async function inParallel<T>(items: readonly T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}
