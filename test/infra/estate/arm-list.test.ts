// infra/arm-list.ts: one ARM collection, every page; throttling, transient statuses and dropped
// connections retried a bounded number of times with capped backoff and never sooner than
// Retry-After (the waits are recorded, not slept); a subscription without Microsoft.Network named
// with the command that registers it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArmListError, listAll, retryDelay, type RetryPolicy } from "../../../infra/estate/arm-list";
import { ArmServer } from "../../helpers/arm-server";

const SUB = "44444444-4444-4444-8444-444444444444";
const UNREGISTERED = "66666666-6666-4666-8666-666666666666";
const VNETS = [1, 2, 3].map((n) => ({
  id: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v${n}`,
  location: "westeurope",
}));
const subject = { what: "VNets", scope: `/subscriptions/${SUB}` };

let arm: ArmServer;
beforeAll(async () => {
  arm = await ArmServer.start({ token: "t0ken", vnets: VNETS, pageSize: 2, unregistered: [UNREGISTERED] });
});
afterAll(async () => {
  await arm?.stop();
});

/** Records each wait instead of sleeping. */
function recording(): RetryPolicy & { waits: number[] } {
  const waits: number[] = [];
  return { attempts: 5, waits, sleep: (ms) => (waits.push(ms), Promise.resolve()) };
}
const vnetsOf = (subscription: string) => `${arm.url}/subscriptions/${subscription}/providers/Microsoft.Network/virtualNetworks?api-version=2024-05-01`;

describe("listAll", () => {
  it("retries a 429 after the Retry-After it asked for, then lists every page", async () => {
    const retry = recording();
    const before = arm.requests.length;
    arm.failNext({ status: 429, retryAfter: 7 });
    const entries = (await listAll(vnetsOf(SUB), "t0ken", subject, retry)) as Array<{ id: string }>;
    expect(entries.map((e) => e.id)).toEqual(VNETS.map((v) => v.id));
    expect(retry.waits).toEqual([7_000]);
    expect(arm.requests.length - before).toBe(3);
  });

  it("retries a dropped connection and a gateway error with growing waits", async () => {
    const retry = recording();
    arm.failNext({ drop: true }, { status: 502 });
    expect(await listAll(vnetsOf(SUB), "t0ken", subject, retry)).toHaveLength(3);
    expect(retry.waits).toEqual([1_000, 2_000]);
  });

  it("gives up after its attempts, naming the scope and the last status", async () => {
    const retry = recording();
    arm.failNext(...Array.from({ length: 5 }, () => ({ status: 503 })));
    await expect(listAll(vnetsOf(SUB), "t0ken", subject, retry)).rejects.toThrow(
      new ArmListError(
        `listing the VNets of /subscriptions/${SUB} failed (503 ServerBusy: injected 503) after 5 attempts; run pulumi up again later, or select its VNets by id`,
        503,
        "ServerBusy: injected 503",
      ),
    );
    expect(retry.waits).toEqual([1_000, 2_000, 4_000, 8_000]);
  });

  it("does not retry what a retry cannot fix", async () => {
    const retry = recording();
    await expect(listAll(vnetsOf(SUB), "stale", subject, retry)).rejects.toThrow(/401 InvalidAuthenticationToken/);
    expect(retry.waits).toEqual([]);
  });

  it("names the subscription that has not registered Microsoft.Network, and the command that registers it", async () => {
    await expect(listAll(vnetsOf(UNREGISTERED), "t0ken", { what: "VNets", scope: `/subscriptions/${UNREGISTERED}` }, recording())).rejects.toThrow(
      new ArmListError(
        `subscription ${UNREGISTERED} has not registered the Microsoft.Network resource provider ` +
          "(409 MissingSubscriptionRegistration: The subscription is not registered to use namespace 'Microsoft.Network'.); " +
          `register it with \`az provider register --namespace Microsoft.Network --subscription ${UNREGISTERED}\` ` +
          "(flow logs there also need Microsoft.Insights), then run pulumi up again",
        409,
        "MissingSubscriptionRegistration: The subscription is not registered to use namespace 'Microsoft.Network'.",
      ),
    );
  });
});

describe("retryDelay", () => {
  it("doubles from 1 s up to 30 s, waits at least Retry-After, and never more than a minute", () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((retry) => retryDelay(retry, null))).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    expect(retryDelay(3, "1")).toBe(4_000);
    expect(retryDelay(1, "20")).toBe(20_000);
    expect(retryDelay(1, "600")).toBe(60_000);
    expect(retryDelay(1, "Wed, 21 Oct 2026 07:28:00 GMT")).toBe(1_000);
  });
});
