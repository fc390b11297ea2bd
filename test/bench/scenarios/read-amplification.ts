// Read amplification over one simulated hour: an NSG and a VNet blob each get 60 appends (one record,
// a minute's worth), and a `--once` run follows every append. Bytes read are counted twice: the blob
// content the forwarder downloaded (its poll log's bytesRead), and everything the flow-log containers
// sent back on the wire (a counting proxy: listings, block lists, downloads, headers). Both are divided
// by the blobs' final size.

import { FlowLogGenerator } from "../../helpers/flow-logs";
import { macAddress, NicLog, recordSizes } from "../flow-log-estate";
import { polls, runOnce } from "../forwarder-runner";
import type { IntakeProcess } from "../intake-process";
import { StorageProxy } from "../storage-proxy";
import { ScenarioStorage } from "../storage";
import { expectDelivered } from "./throughput";

export interface ReadAmplificationFigures {
  readonly appends: number;
  readonly finalBytes: number;
  readonly contentBytesRead: number;
  readonly wireBytesRead: number;
  readonly contentRatio: number;
  readonly wireRatio: number;
  readonly storageRequestsPerRun: number;
}

export async function measureReadAmplification(intake: IntakeProcess, appends: number): Promise<ReadAmplificationFigures> {
  const storage = await ScenarioStorage.start();
  const proxy = await StorageProxy.start(storage.azurite.port);
  try {
    const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
    const gen = new FlowLogGenerator(7);
    const size = recordSizes(8);
    const blobs = (["nsg", "vnet"] as const).map((kind) => new NicLog(gen, kind, storage.container(kind), macAddress(kind, 1), hour, 1));
    const env = storage.env(intake.url, await storage.newCheckpoint(), ["nsg", "vnet"], (url) => proxy.route(url, storage.azurite.port));
    const before = await intake.accepted();
    let contentBytesRead = 0;
    for (let minute = 0; minute < appends; minute++) {
      await Promise.all(blobs.map((blob) => blob.append(new Date(hour.getTime() + minute * 60_000), [size()])));
      const run = await runOnce(env);
      contentBytesRead += polls(run.logs).reduce((sum, p) => sum + p.bytesRead, 0);
    }
    const tuples = blobs.reduce((sum, b) => sum + b.tuples, 0);
    await expectDelivered(intake, before, tuples, "forwarder");
    const finalBytes = blobs.reduce((sum, b) => sum + b.bytes, 0);
    return {
      appends,
      finalBytes,
      contentBytesRead,
      wireBytesRead: proxy.responseBytes,
      contentRatio: contentBytesRead / finalBytes,
      wireRatio: proxy.responseBytes / finalBytes,
      storageRequestsPerRun: proxy.requests / appends,
    };
  } finally {
    await proxy.stop();
    await storage.stop();
  }
}
