// Plays Azure's flow-log writer for `npm run local`: a few NICs behind an NSG flow log and a VNet flow
// log, each committing one record every few seconds (Azure: every minute) to the current hour's
// PT1H.json block by block; when the hour turns, each NIC starts a new blob, as Azure does. It keeps
// every tuple it committed, so the runner can check that each one reached the intake.

import type { BlobServiceClient } from "@azure/storage-blob";
import type { FlowLogKind } from "../../forwarder/contract";
import { FLOW_LOG_CONTAINERS } from "../../forwarder/contract";
import { floorHour } from "../../forwarder/source/hour-partition";
import { AzureFlowLogBlob, FlowLogGenerator, nsgBlobName, nsgResourceId, vnetBlobName, type GeneratedRecord } from "../helpers/flow-logs";
import { generatedTupleKey } from "../helpers/flow-log-stack";

const SUBSCRIPTION = "00000000-0000-0000-0000-00000000beef";
const NSG_ID = nsgResourceId(SUBSCRIPTION, "rg-local", "nsg-local");
const VNET_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-local/providers/Microsoft.Network/virtualNetworks/vnet-local`;
const FLOW_LOG_ID = `/SUBSCRIPTIONS/${SUBSCRIPTION.toUpperCase()}/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_LOCAL/FLOWLOGS/VNET-LOCAL`;

interface Nic {
  readonly kind: FlowLogKind;
  readonly mac: string;
  blob?: AzureFlowLogBlob;
  blobHour?: number;
}

export class TrafficWriter {
  /** Keys of every tuple committed (see generatedTupleKey), by kind. */
  readonly committed: Record<FlowLogKind, string[]> = { nsg: [], vnet: [] };
  blobsWritten = 0;
  /** Told of every commit, as Event Grid is of each Put Block List (event mode). */
  onCommit?: (container: string, blobName: string, etag: string) => Promise<void>;
  private readonly nics: Nic[];
  private readonly generator = new FlowLogGenerator(Date.now() & 0xffff);
  private running?: Promise<void>;
  private stopping = false;
  private wake?: () => void;

  constructor(
    private readonly service: BlobServiceClient,
    kinds: readonly FlowLogKind[],
    nicsPerKind: number,
    private readonly recordIntervalMs: number,
  ) {
    this.nics = kinds.flatMap((kind, k) =>
      Array.from({ length: nicsPerKind }, (_, n) => ({ kind, mac: `${kind === "nsg" ? "002248" : "6045BD"}${String(k * 100 + n + 1).padStart(6, "0")}` })),
    );
  }

  get nicCount(): number {
    return this.nics.length;
  }

  get tuplesCommitted(): number {
    return this.committed.nsg.length + this.committed.vnet.length;
  }

  start(): void {
    this.running = this.loop();
  }

  /** Stops after the append under way has been committed; nothing is committed afterwards. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      for (const nic of this.nics) await this.appendRecord(nic, Date.now());
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.recordIntervalMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private async appendRecord(nic: Nic, now: number): Promise<void> {
    const hour = floorHour(now);
    if (nic.blobHour !== hour) {
      const name = nic.kind === "nsg" ? nsgBlobName(NSG_ID, new Date(hour), nic.mac) : vnetBlobName(FLOW_LOG_ID, new Date(hour), nic.mac);
      nic.blob = new AzureFlowLogBlob(this.service.getContainerClient(FLOW_LOG_CONTAINERS[nic.kind]), name);
      nic.blob.onCommit = (container, blobName, etag) => this.onCommit?.(container, blobName, etag) ?? Promise.resolve();
      nic.blobHour = hour;
      this.blobsWritten++;
    }
    const shape = { time: new Date(now), mac: nic.mac, rules: 1 + (now % 3), tuplesPerRule: 3 + (now % 5) };
    const generated: GeneratedRecord = nic.kind === "nsg" ? this.generator.nsgRecord(NSG_ID, shape) : this.generator.vnetRecord(VNET_ID, FLOW_LOG_ID, shape);
    await nic.blob!.append([generated.record]);
    // Counted only once committed: a tuple the writer never committed cannot be missed by the forwarder.
    for (const tuple of generated.tuples) this.committed[nic.kind].push(generatedTupleKey(tuple));
  }
}
