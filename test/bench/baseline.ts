// The floor the forwarder is measured against: only the work no forwarder can avoid, done in-line in
// this process on the same blobs. List each container once, download each blob whole (the next one
// while the current one is processed), JSON.parse it, build one event string per tuple, batch up to the
// forwarder's batch size, gzip at the same level off the event loop, POST with the same concurrency.
// No checkpoints, no incremental reads, no validation beyond what building the events needs.

import type { ContainerClient } from "@azure/storage-blob";
import { promisify } from "node:util";
import { constants, gzip as gzipCallback } from "node:zlib";
import type { FlowLogKind } from "../../forwarder/contract";

const gzip = promisify(gzipCallback);
const BATCH_BYTES = 4 * 1024 * 1024;
const CONCURRENCY = 4;

// Records are read without validation: the baseline trusts its own generated data.
type Json = Record<string, any>;

export interface BaselineSource {
  readonly kind: FlowLogKind;
  readonly container: ContainerClient;
  readonly key: string;
}

export async function runBaseline(sources: readonly BaselineSource[], intakeUrl: string): Promise<{ wallMs: number; events: number }> {
  const started = performance.now();
  let events = 0;
  for (const source of sources) {
    const sender = new Sender(`${intakeUrl}/batch`, source.key);
    const names: string[] = [];
    for await (const blob of source.container.listBlobsFlat()) names.push(blob.name);
    const download = (name: string) => source.container.getBlockBlobClient(name).downloadToBuffer();
    let next = names.length > 0 ? download(names[0]) : undefined;
    for (let i = 0; next; i++) {
      const bytes = await next;
      next = i + 1 < names.length ? download(names[i + 1]) : undefined;
      const { records } = JSON.parse(bytes.toString("utf8")) as { records: Json[] };
      for (const record of records) {
        events += source.kind === "nsg" ? nsgEvents(record, sender) : vnetEvents(record, sender);
        await sender.room();
      }
    }
    await sender.finish();
  }
  return { wallMs: performance.now() - started, events };
}

function nsgEvents(r: Json, sender: Sender): number {
  let count = 0;
  const suffix = `,"version":"${r.properties.Version}"}`;
  for (const rule of r.properties.flows) {
    for (const flow of rule.flows) {
      const prefix = `{"time":${JSON.stringify(r.time)},"resourceId":${JSON.stringify(r.resourceId)},"macAddress":${JSON.stringify(flow.mac)},"operationName":${JSON.stringify(r.operationName)},"rule":${JSON.stringify(rule.rule)},"flow.0":`;
      for (const tuple of flow.flowTuples) sender.add(prefix + JSON.stringify(tuple) + suffix);
      count += flow.flowTuples.length;
    }
  }
  return count;
}

function vnetEvents(r: Json, sender: Sender): number {
  let count = 0;
  const head = `{"time":${JSON.stringify(r.time)},"flowLogVersion":${r.flowLogVersion},"flowLogGUID":${JSON.stringify(r.flowLogGUID)},"macAddress":${JSON.stringify(r.macAddress)},"operationName":${JSON.stringify(r.operationName)}`;
  const suffix = `,"targetResourceID":${JSON.stringify(r.targetResourceID)},"flowLogResourceID":${JSON.stringify(r.flowLogResourceID)},"category":${JSON.stringify(r.category)}}`;
  for (const flow of r.flowRecords.flows) {
    for (const group of flow.flowGroups) {
      const prefix = `${head},"aclID":${JSON.stringify(flow.aclID)},"rule":${JSON.stringify(group.rule)},"flow.0":`;
      for (const tuple of group.flowTuples) sender.add(prefix + JSON.stringify(tuple) + suffix);
      count += group.flowTuples.length;
    }
  }
  return count;
}

/** Batches quoted events and POSTs gzip bodies, at most CONCURRENCY at a time. */
class Sender {
  private batch: string[] = [];
  private bytes = 0;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly url: string,
    private readonly key: string,
  ) {}

  add(event: string): void {
    const quoted = JSON.stringify(event);
    if (this.bytes + quoted.length > BATCH_BYTES) this.send();
    this.batch.push(quoted);
    this.bytes += quoted.length + 1;
  }

  async room(): Promise<void> {
    while (this.inFlight.size >= CONCURRENCY) await Promise.race(this.inFlight);
  }

  async finish(): Promise<void> {
    this.send();
    await Promise.all(this.inFlight);
  }

  private send(): void {
    if (this.batch.length === 0) return;
    const body = `{"intake_key":${JSON.stringify(this.key)},"jsons":[${this.batch.join(",")}]}`;
    this.batch = [];
    this.bytes = 0;
    const request = (async () => {
      const compressed = await gzip(body, { level: constants.Z_BEST_SPEED });
      const response = await fetch(this.url, {
        method: "POST",
        headers: { "content-type": "application/json", "content-encoding": "gzip" },
        body: compressed,
      });
      await response.text();
      if (!response.ok) throw new Error(`baseline POST answered ${response.status}`);
    })();
    this.inFlight.add(request);
    void request.finally(() => this.inFlight.delete(request)).catch(() => undefined);
  }
}
