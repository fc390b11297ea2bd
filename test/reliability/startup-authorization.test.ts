// A fresh deployment: the identity's roles are still propagating and the checkpoint container answers
// 403 for a while. The service must keep serving /healthz (the probes Container Apps provisions on),
// report "not yet authorized" in /readyz, flowlog_dependency_up and its logs, retry with backoff, and
// deliver everything once storage lets it in, without restarting.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ForwarderProcess } from "../helpers/forwarder-process";
import { waitFor } from "../helpers/wait-for";
import { CHECKPOINTS, GrowingBlobs, Rig } from "./fault-harness";
import { StorageProxy } from "./storage-proxy";

const SEED = 4311;

let rig: Rig;
let proxy: StorageProxy;
let service: ForwarderProcess;

beforeAll(async () => {
  rig = await Rig.start({ name: "startup-authorization", seed: SEED, separateCheckpoints: true });
  proxy = await StorageProxy.start(() => rig.checkpointAzurite.port);
  await new GrowingBlobs(rig, { nsgBlobs: 2, vnetBlobs: 2, seed: SEED }).create();
  proxy.refuse(Number.POSITIVE_INFINITY);
  service = rig.spawn({ CHECKPOINT_URL: proxy.through(rig.checkpointAzurite.containerSasUrl(CHECKPOINTS, "racwdl")) });
  await service.waitForLog("that it started", (l) => l.msg === "Forwarder started.");
});

afterAll(async () => {
  await proxy?.stop();
  await rig?.stop();
});

describe("403 from storage at start", () => {
  it("is reported as not yet authorized and ridden out with backoff, while /healthz stays up", async () => {
    const retrying = (l: Record<string, unknown>) => l.msg === "Checkpoint container not yet authorized; retrying.";
    await waitFor("three not-yet-authorized retries", async () => service.logs.filter(retrying).length >= 3, 30_000, 100);
    expect((await rig.get("/healthz")).status).toBe(200);
    const ready = await rig.get("/readyz");
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body).checkpoints).toMatch(/^not yet authorized \(403/);
    expect(await rig.metric("flowlog_dependency_up", 'dependency="checkpoints"')).toBe(0);
    expect(
      service.logs
        .filter(retrying)
        .slice(0, 3)
        .map((l) => l.retryInMs),
    ).toEqual([1000, 2000, 4000]);

    proxy.refuse(0);
    await service.waitForLog("authorization to arrive", (l) => l.msg === "Checkpoint container authorized.");
    await rig.allDelivered("every tuple delivered once authorized", 60_000);
    await waitFor("/readyz ready", async () => (await rig.get("/readyz")).status === 200, 30_000, 200);
    expect(await rig.metric("flowlog_dependency_up", 'dependency="checkpoints"')).toBe(1);
    expect(proxy.refused).toBeGreaterThanOrEqual(3);
    expect(service.child.exitCode).toBeNull();
  });
});
