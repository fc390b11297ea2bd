// Realistic NSG (Version 1 and 2) and VNet (flowLogVersion 4) flow-log records, and a writer that
// commits them to a PT1H.json blob the way Azure does: head block, one block per record (each after
// the first starting with a comma), tail block, the whole list re-committed on every append. Every
// generated tuple is unique, so a test can tell a lost or repeated tuple from a delivered one.

import type { BlockBlobClient, ContainerClient } from "@azure/storage-blob";
import { hourPath } from "../../forwarder/source/hour-partition";
import { seededRandom } from "./seeded-random";

export interface GeneratedTuple {
  readonly kind: "nsg" | "vnet";
  readonly tuple: string;
  readonly mac: string;
  readonly rule: string;
  readonly time: string;
}

export interface GeneratedRecord {
  readonly record: Record<string, unknown>;
  readonly tuples: GeneratedTuple[];
}

export interface RecordShape {
  readonly time: Date;
  readonly mac: string;
  readonly rules?: number;
  readonly tuplesPerRule?: number;
}

const RULES = ["DefaultRule_AllowInternetOutBound", "DefaultRule_DenyAllInBound", "UserRule_AllowHttps", "UserRule_AllowSsh"];

export class FlowLogGenerator {
  private counter = 0;
  private readonly random: () => number;

  constructor(seed: number) {
    this.random = seededRandom(seed);
  }

  private uniqueIp(): string {
    const c = ++this.counter;
    return `10.${(c >> 16) & 255}.${(c >> 8) & 255}.${c & 255}`;
  }

  private int(max: number): number {
    return Math.floor(this.random() * max);
  }

  nsgTuple(epochSeconds: number, version: 1 | 2): string {
    const base = `${epochSeconds},${this.uniqueIp()},172.16.${this.int(255)}.${this.int(255)},${1024 + this.int(60000)},${[443, 80, 22, 3389][this.int(4)]},${this.random() < 0.8 ? "T" : "U"},${this.random() < 0.5 ? "I" : "O"},${this.random() < 0.9 ? "A" : "D"}`;
    if (version === 1) return base;
    const state = ["B", "C", "E"][this.int(3)];
    return state === "B" ? `${base},B,,,,` : `${base},${state},${1 + this.int(50)},${64 + this.int(90000)},${this.int(50)},${this.int(90000)}`;
  }

  vnetTuple(epochMillis: number): string {
    const state = ["B", "C", "E", "D"][this.int(4)];
    const counters = state === "B" ? "0,0,0,0" : `${1 + this.int(50)},${64 + this.int(90000)},${this.int(50)},${this.int(90000)}`;
    return `${epochMillis},${this.uniqueIp()},192.168.${this.int(255)}.${this.int(255)},${1024 + this.int(60000)},${[443, 80, 53, 1433][this.int(4)]},${[6, 17][this.int(2)]},${this.random() < 0.5 ? "I" : "O"},${state},NX,${counters}`;
  }

  nsgRecord(resourceId: string, shape: RecordShape & { readonly version?: 1 | 2 }): GeneratedRecord {
    const version = shape.version ?? 2;
    const time = shape.time.toISOString().replace("Z", "0000Z");
    const epoch = Math.floor(shape.time.getTime() / 1000);
    const tuples: GeneratedTuple[] = [];
    const flows = RULES.slice(0, shape.rules ?? 2).map((rule) => {
      const flowTuples = Array.from({ length: shape.tuplesPerRule ?? 5 }, () => this.nsgTuple(epoch - this.int(60), version));
      tuples.push(...flowTuples.map((tuple) => ({ kind: "nsg" as const, tuple, mac: shape.mac, rule, time })));
      return { rule, flows: [{ mac: shape.mac, flowTuples }] };
    });
    const record = {
      time,
      systemId: "5f3ab0c1-8e2d-4f7a-9b1e-2d3c4b5a6978",
      macAddress: shape.mac,
      category: "NetworkSecurityGroupFlowEvent",
      resourceId,
      operationName: "NetworkSecurityGroupFlowEvents",
      properties: { Version: version, flows },
    };
    return { record, tuples };
  }

  vnetRecord(targetResourceId: string, flowLogResourceId: string, shape: RecordShape): GeneratedRecord {
    const time = shape.time.toISOString().replace("Z", "0000Z");
    const epochMs = shape.time.getTime();
    const tuples: GeneratedTuple[] = [];
    const flowGroups = RULES.slice(0, shape.rules ?? 2).map((rule) => {
      const flowTuples = Array.from({ length: shape.tuplesPerRule ?? 5 }, () => this.vnetTuple(epochMs - this.int(60_000)));
      tuples.push(...flowTuples.map((tuple) => ({ kind: "vnet" as const, tuple, mac: shape.mac, rule, time })));
      return { rule, flowTuples };
    });
    const record = {
      time,
      flowLogVersion: 4,
      flowLogGUID: "66aa66aa-bb77-cc88-dd99-ee00ee00ff11",
      macAddress: shape.mac,
      category: "FlowLogFlowEvent",
      flowLogResourceID: flowLogResourceId,
      targetResourceID: targetResourceId,
      operationName: "FlowLogFlowEvent",
      flowRecords: { flows: [{ aclID: "9bd4d5a8-3c61-4a0b-8f6d-1a2b3c4d5e6f", flowGroups }] },
    };
    return { record, tuples };
  }
}

export function nsgResourceId(subscription: string, group: string, nsg: string): string {
  return `/SUBSCRIPTIONS/${subscription}/RESOURCEGROUPS/${group}/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/${nsg}`.toUpperCase();
}

export function nsgBlobName(resourceId: string, hour: Date, mac: string): string {
  return `resourceId=${resourceId}/${hourPath(hour.getTime())}m=00/macAddress=${mac}/PT1H.json`;
}

export function vnetBlobName(flowLogResourceId: string, hour: Date, mac: string): string {
  return `flowLogResourceID=${flowLogResourceId}/${hourPath(hour.getTime())}m=00/macAddress=${mac}/PT1H.json`;
}

const HEAD = '{"records":[';
const TAIL = "]}";

function blockId(n: number): string {
  return Buffer.from(String(n).padStart(10, "0")).toString("base64");
}

/** Writes one PT1H.json blob as Azure's flow-log writer does. */
export class AzureFlowLogBlob {
  private readonly blob: BlockBlobClient;
  private readonly committed: string[] = [];
  private readonly tailId = blockId(9_999_999_999);
  private records = 0;
  /** Told of every committed block list with the blob's new ETag, as Event Grid is told of each Put Block List. */
  onCommit?: (container: string, blobName: string, etag: string) => Promise<void>;

  constructor(
    private readonly container: ContainerClient,
    readonly name: string,
  ) {
    this.blob = container.getBlockBlobClient(name);
  }

  /** Appends records, `perBlock` to a block (Azure uses one), and commits the new block list. */
  async append(records: readonly Record<string, unknown>[], perBlock = 1): Promise<void> {
    if (this.committed.length === 0) {
      await this.stage(blockId(0), HEAD);
      await this.stage(this.tailId, TAIL);
      this.committed.push(blockId(0));
    }
    for (let i = 0; i < records.length; i += perBlock) {
      const text = records
        .slice(i, i + perBlock)
        .map((r) => (this.records++ === 0 ? "" : ",") + JSON.stringify(r))
        .join("");
      await this.appendRawBlock(text, false);
    }
    await this.commit();
  }

  /** Stages a block of arbitrary text (for malformed-input tests); commits unless told not to. */
  async appendRawBlock(text: string, commit = true): Promise<void> {
    const id = blockId(this.committed.length);
    await this.stage(id, text);
    this.committed.push(id);
    if (commit) await this.commit();
  }

  private async stage(id: string, text: string): Promise<void> {
    const body = Buffer.from(text);
    await this.blob.stageBlock(id, body, body.length);
  }

  private async commit(): Promise<void> {
    const response = await this.blob.commitBlockList([...this.committed, this.tailId]);
    await this.onCommit?.(this.container.containerName, this.name, response.etag!);
  }
}
