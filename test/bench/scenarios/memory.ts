// Peak memory (VmHWM) of the forwarder bundle where its input is largest: one 100 MB blob, 60 blobs of
// 10 MB, a backlog of 5,000 blobs, and an intake that is down for a minute while blobs keep growing.
// Each runs twice: as the image runs the bundle (its node flags) and as plain `node forwarder.js`, since
// the ceiling must come from the forwarder's own bounds, not from a heap cap.

import { FlowLogGenerator } from "../../helpers/flow-logs";
import { inParallel, macAddress, NicLog, type RecordSize } from "../flow-log-estate";
import { ForwarderChild, runOnce, type RunOptions } from "../forwarder-runner";
import type { IntakeProcess } from "../intake-process";
import { ScenarioStorage } from "../storage";
import { expectDelivered } from "./throughput";

const MB = 1024 * 1024;
const LARGE_RECORD: RecordSize = { rules: 4, tuplesPerRule: 100 };
const OUTAGE_MS = 60_000;

export interface MemoryFigure {
  readonly scenario: string;
  readonly blobs: number;
  readonly bytes: number;
  readonly tuples: number;
  /** Peak RSS as the image runs the bundle, and as plain `node forwarder.js`. */
  readonly imagePeakRssMb: number;
  readonly plainPeakRssMb: number;
}

const BOTH_WAYS: readonly RunOptions[] = [{}, { withoutImageFlags: true }];

/** Grows `log` to `bytes` with appends of large records, a minute apart. */
async function fill(log: NicLog, hour: number, bytes: number, appends: number): Promise<void> {
  await log.append(new Date(hour), [LARGE_RECORD]);
  const perAppend = Math.max(1, Math.ceil(bytes / log.bytes / appends));
  for (let minute = 0; log.bytes < bytes; minute++) {
    await log.append(
      new Date(hour + (minute % 60) * 60_000),
      Array.from({ length: perAppend }, () => LARGE_RECORD),
    );
  }
}

function logs(storage: ScenarioStorage, count: number, hour: number, seed: number): NicLog[] {
  const gen = new FlowLogGenerator(seed);
  return Array.from({ length: count }, (_, n) => {
    const kind = n % 2 === 0 ? "nsg" : "vnet";
    return new NicLog(gen, kind, storage.container(kind), macAddress(kind, n), new Date(hour), n % 8);
  });
}

/**
 * Peak RSS of draining what `write` commits with `--once`, both ways. Each way gets an Azurite of its
 * own: one Azurite that had already served a run (5,000 more checkpoints) answered the second run
 * several times slower.
 */
async function drainBothWays(
  intake: IntakeProcess,
  scenario: string,
  write: (storage: ScenarioStorage, hour: number) => Promise<readonly NicLog[]>,
): Promise<MemoryFigure> {
  const peaks: number[] = [];
  let written: readonly NicLog[] = [];
  for (const options of BOTH_WAYS) {
    await withStorage(async (storage, hour) => {
      written = await write(storage, hour);
      const tuples = written.reduce((sum, l) => sum + l.tuples, 0);
      const before = await intake.accepted();
      const run = await runOnce(storage.env(intake.url, await storage.newCheckpoint()), options);
      await expectDelivered(intake, before, tuples, "forwarder");
      peaks.push(run.usage.peakRssMb);
    });
  }
  const tuples = written.reduce((sum, l) => sum + l.tuples, 0);
  return { scenario, blobs: written.length, bytes: written.reduce((sum, l) => sum + l.bytes, 0), tuples, imagePeakRssMb: peaks[0], plainPeakRssMb: peaks[1] };
}

async function withStorage<T>(work: (storage: ScenarioStorage, hour: number) => Promise<T>): Promise<T> {
  const storage = await ScenarioStorage.start();
  try {
    return await work(storage, Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000);
  } finally {
    await storage.stop();
  }
}

export function measureLargeBlob(intake: IntakeProcess, bytes: number): Promise<MemoryFigure> {
  return drainBothWays(intake, `one blob of ${Math.round(bytes / MB)} MB`, async (storage, hour) => {
    const [log] = logs(storage, 1, hour, 23);
    await fill(log, hour, bytes, 60);
    return [log];
  });
}

export function measureManyBlobs(intake: IntakeProcess, count: number, bytesEach: number): Promise<MemoryFigure> {
  return drainBothWays(intake, `${count} blobs of ${Math.round(bytesEach / MB)} MB`, async (storage, hour) => {
    const written = logs(storage, count, hour, 29);
    await inParallel(written, 8, (log) => fill(log, hour, bytesEach, 10));
    return written;
  });
}

export function measureBacklog(intake: IntakeProcess, count: number): Promise<MemoryFigure> {
  return drainBothWays(intake, `a backlog of ${count.toLocaleString("en-US")} blobs`, async (storage, hour) => {
    const written = logs(storage, count, hour, 31);
    await inParallel(written, 16, (log) => log.append(new Date(hour), [{ rules: 2, tuplesPerRule: 20 }]));
    return written;
  });
}

/**
 * The service polls every second while 16 blobs grow and the intake answers 503 for a minute, then
 * serves again: reading goes on until backpressure stops it, and what waits must stay bounded.
 */
export function measureIntakeOutage(intake: IntakeProcess): Promise<MemoryFigure> {
  return withStorage(async (storage, hour) => {
    const growing = logs(storage, 16, hour + 3_600_000, 37);
    for (const log of growing) await log.append(new Date(hour + 3_600_000), [LARGE_RECORD]);
    const peaks: number[] = [];
    for (const options of BOTH_WAYS) {
      const before = await intake.accepted();
      const env = { ...storage.env(intake.url, await storage.newCheckpoint()), POLL_INTERVAL_SECONDS: "1", HEALTH_PORT: "0" };
      const service = new ForwarderChild([], env, options);
      await service.waitForMessages("Poll finished.", 1, 30_000);
      await intake.setDown(true);
      try {
        const until = Date.now() + OUTAGE_MS;
        for (let minute = 1; Date.now() < until; minute++) {
          await inParallel(growing, 4, (log) => log.append(new Date(hour + 3_600_000 + (minute % 60) * 60_000), [LARGE_RECORD, LARGE_RECORD]));
          await new Promise((resolve) => setTimeout(resolve, 1_000));
        }
      } finally {
        await intake.setDown(false);
      }
      const expected = growing.reduce((sum, l) => sum + l.tuples, 0);
      const deadline = Date.now() + 120_000;
      while ((await intake.accepted()) - before < expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 500));
      const run = await service.stop();
      await expectDelivered(intake, before, expected, "forwarder");
      peaks.push(run.usage.peakRssMb);
    }
    const tuples = growing.reduce((sum, l) => sum + l.tuples, 0);
    return {
      scenario: "intake down for a minute while 16 blobs grow",
      blobs: growing.length,
      bytes: growing.reduce((sum, l) => sum + l.bytes, 0),
      tuples,
      imagePeakRssMb: peaks[0],
      plainPeakRssMb: peaks[1],
    };
  });
}
