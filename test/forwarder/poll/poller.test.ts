// The Poller in-process, assembled as the service assembles it (createApp), against Azurite and a
// loopback intake: one poll delivers what is new and only that, an idle poll reads no blob, a stopped
// forwarder reads nothing, a source another replica holds is left to it, and a refused key is blamed
// on the intake and pauses the source. In event mode, a listing that handed every changed blob to the
// queue moves the source's scan window; one that left a blob to another replica does not. Each test
// starts its own storage and intake.

import { Writable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../../forwarder/config";
import { createLogger } from "../../../forwarder/log";
import { BlobAnnouncer } from "../../../forwarder/poll/blob-announcer";
import { Poller } from "../../../forwarder/poll/poller";
import { createApp, type App } from "../../../forwarder/service/app";
import { AzureFlowLogBlob, FlowLogGenerator, nsgBlobName, nsgResourceId } from "../../helpers/flow-logs";
import { NSG_CONTAINER, NSG_KEY, startFlowLogStack, type FlowLogStack } from "../../helpers/flow-log-stack";

const gen = new FlowLogGenerator(12);
const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
const nsgId = nsgResourceId("00000000-0000-0000-0000-000000000012", "rg-poll", "nsg-poll");
const MAC = "00224826C012";

let stack: FlowLogStack;
let apps: App[];
let logLines: Record<string, unknown>[];

beforeEach(async () => {
  stack = await startFlowLogStack();
  apps = [];
  logLines = [];
});

afterEach(async () => {
  for (const app of apps) await app.leases.releaseAll();
  await stack?.stop();
});

function startApp(env: Record<string, string> = stack.env): App {
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n").filter(Boolean)) logLines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const log = createLogger({ level: "info", secrets: [], destination });
  const app = createApp(loadConfig(env), log);
  apps.push(app);
  return app;
}

/** An NSG blob with `records` records of 10 tuples each; `append` adds more. */
async function nsgBlob(records: number): Promise<{ tuples: number; append: (more: number) => Promise<number> }> {
  const blob = new AzureFlowLogBlob(stack.azurite.service.getContainerClient(NSG_CONTAINER), nsgBlobName(nsgId, hour, MAC));
  const append = async (count: number) => {
    const made = Array.from({ length: count }, () => gen.nsgRecord(nsgId, { time: hour, mac: MAC }));
    await blob.append(made.map((m) => m.record));
    return made.reduce((sum, m) => sum + m.tuples.length, 0);
  };
  return { tuples: await append(records), append };
}

describe("Poller", () => {
  it("delivers what is new in a blob, then only what was appended, and reads no blob when nothing changed", async () => {
    const blob = await nsgBlob(3);
    const app = startApp();

    const first = await app.poller.poll();
    expect(first).toMatchObject({ blobsRead: 1, tuplesRead: blob.tuples, tuplesSent: blob.tuples, failures: 0 });
    expect(stack.intake.events(NSG_KEY)).toHaveLength(blob.tuples);

    const appended = await blob.append(2);
    const second = await app.poller.poll();
    expect(second).toMatchObject({ blobsRead: 1, tuplesRead: appended, tuplesSent: appended, failures: 0 });
    expect(stack.intake.events(NSG_KEY)).toHaveLength(blob.tuples + appended);

    const idle = await app.poller.poll();
    // The blob is still listed (its hour can change), and read no more.
    expect(idle).toMatchObject({ blobsListed: 1, blobsRead: 0, tuplesRead: 0, tuplesSent: 0, failures: 0 });
    expect(app.readiness.ready).toBe(true);
    expect(logLines.filter((l) => l.msg === "Poll finished.")).toHaveLength(3);
  });

  it("starts from the stored checkpoints after a restart, so nothing delivered is sent again", async () => {
    const blob = await nsgBlob(2);
    const before = startApp();
    await before.poller.poll();
    await before.leases.releaseAll();
    const appended = await blob.append(1);

    const after = await startApp().poller.poll();
    expect(after).toMatchObject({ blobsRead: 1, tuplesSent: appended, failures: 0 });
    expect(stack.intake.events(NSG_KEY)).toHaveLength(blob.tuples + appended);
  });

  it("reads nothing once stopped", async () => {
    await nsgBlob(2);
    const app = startApp();
    app.stop();
    const report = await app.poller.poll();
    expect(report).toMatchObject({ blobsRead: 0, tuplesRead: 0 });
    expect(stack.intake.events(NSG_KEY)).toHaveLength(0);
  });

  it("leaves the sources another replica holds to it", async () => {
    await nsgBlob(2);
    const holder = startApp();
    holder.leases.identify("holder:1");
    await holder.poller.poll();
    const standby = startApp();
    standby.leases.identify("standby:2");

    const report = await standby.poller.poll();
    expect(report).toMatchObject({ standby: 2, blobsRead: 0, failures: 0 });
    expect(logLines.some((l) => l.msg === "Another replica holds this source; standing by.")).toBe(true);
    // Its lag follows the holder's stored window, not its own start.
    expect(standby.metrics.lagSince()).toBe(holder.metrics.lagSince());
  });

  it("blames the intake when it refuses the key, and does not read that source again until the pause ends", async () => {
    await nsgBlob(2);
    const app = startApp({ ...stack.env, SEKOIA_NSG_INTAKE_KEY: "not-the-nsg-intake-key" });

    const refused = await app.poller.poll();
    expect(refused.failures).toBeGreaterThan(0);
    expect(app.readiness.failing("intake")).toBe(true);
    expect(app.readiness.failing("storage")).toBe(false);
    expect(app.readiness.report().intake).toContain("SEKOIA_NSG_INTAKE_KEY");

    const paused = await app.poller.poll();
    expect(paused).toMatchObject({ blobsRead: 0, tuplesRead: 0 });
    expect(logLines.some((l) => l.msg === "Intake refuses the key; not reading this source until the retry time.")).toBe(true);
    expect(stack.intake.events(NSG_KEY)).toHaveLength(0);
  });

  it("in event mode, moves the scan window past blobs it announced, not past one another replica reads", async () => {
    const blob = await nsgBlob(2);
    const app = startApp();
    app.leases.identify("lister:1");
    const sent: string[] = [];
    const queue = {
      refuses: false,
      async send(body: string) {
        if (queue.refuses) throw new Error("queue down");
        sent.push(body);
      },
    };
    const { sources, store, leases, readiness, metrics, stopping } = app;
    const log = createLogger({ level: "silent", secrets: [] });
    const lister = new Poller({ sources, store, leases, readiness, metrics, log, stopping, blobLeases: true, announcer: new BlobAnnouncer(queue) });
    const nsgSource = sources.find((s) => s.source.container === NSG_CONTAINER)!.source;

    // Nothing delivered, everything on the queue: the window moves all the same.
    const announced = await lister.poll({ announce: true });
    expect(announced).toMatchObject({ blobsAnnounced: 1, blobsRead: 0, failures: 0 });
    expect(sent).toHaveLength(1);
    expect(stack.intake.events(NSG_KEY)).toHaveLength(0);
    const window = (await store.readSource(nsgSource))?.value.scannedThrough;
    expect(window).toBeDefined();

    // Appended since (a new ETag, announced again), the queue refuses: the listing would read the blob
    // itself, but another replica holds its lease.
    await blob.append(1);
    queue.refuses = true;
    const other = startApp();
    other.leases.identify("reader:2");
    expect(await other.leases.holdBlob(nsgSource, nsgBlobName(nsgId, hour, MAC))).toBe("acquired");
    const leftToOther = await lister.poll({ announce: true });
    expect(leftToOther).toMatchObject({ blobsAnnounced: 0, blobsRead: 0, failures: 0 });
    expect((await store.readSource(nsgSource))?.value.scannedThrough).toBe(window);
  });
});
