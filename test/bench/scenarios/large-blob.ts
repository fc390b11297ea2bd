// Peak memory on one 100 MB blob: the reader holds at most two runs of blocks, so the forwarder's RSS
// must not follow the blob's size. The blob is one NIC's hour with large records (400 tuples), 60
// appends of many records each, one block per record.

import { FlowLogGenerator } from "../../helpers/flow-logs";
import { macAddress, NicLog } from "../flow-log-estate";
import { runOnce } from "../forwarder-runner";
import type { IntakeProcess } from "../intake-process";
import { ScenarioStorage } from "../storage";
import { expectDelivered } from "./throughput";

export interface LargeBlobFigures {
  readonly bytes: number;
  readonly tuples: number;
  readonly wallSeconds: number;
  readonly peakRssMb: number;
}

export async function measureLargeBlob(intake: IntakeProcess, targetBytes: number): Promise<LargeBlobFigures> {
  const storage = await ScenarioStorage.start();
  try {
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;
    const blob = new NicLog(new FlowLogGenerator(23), "nsg", storage.container("nsg"), macAddress("nsg", 3), new Date(hour), 3);
    const record = { rules: 4, tuplesPerRule: 100 };
    await blob.append(new Date(hour), [record]);
    const perAppend = Math.ceil(targetBytes / blob.bytes / 60);
    for (let minute = 0; blob.bytes < targetBytes; minute++) {
      await blob.append(new Date(hour + minute * 60_000), Array.from({ length: perAppend }, () => record));
    }
    const before = await intake.accepted();
    const run = await runOnce(storage.env(intake.url, await storage.newCheckpoint(), ["nsg"]));
    await expectDelivered(intake, before, blob.tuples, "forwarder");
    return { bytes: blob.bytes, tuples: blob.tuples, wallSeconds: run.wallMs / 1000, peakRssMb: run.usage.peakRssMb };
  } finally {
    await storage.stop();
  }
}
