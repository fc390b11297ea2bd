// infra/sas.ts: one read-only service SAS per flow-log container in use, scoped to that container,
// expiring at sasExpiry, exported only as a secret.
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { recordingMocks } from "../../../infra/plan/mocks";
import type { ProgramRun } from "../../../infra/plan/plan-render";
import { containersInUse, serviceSasArgs } from "../../../infra/storage/sas";
import { callsOf, defaultConfig, NOW, runStack, runtimeConfig, SUBSCRIPTION, T } from "../harness";

describe.each([false, true])("SAS for Sekoia (preview: %s)", (preview) => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runStack({ config: defaultConfig(), preview });
  });

  it("asks for one service SAS per container in use: rl, https, container scope, configured expiry", () => {
    const storage = (run.outputs.flowLogStorage as Record<string, Record<string, { accountName: string }>>)[SUBSCRIPTION];
    const west = storage.westeurope.accountName;
    const north = storage.northeurope.accountName;
    const group = run.outputs.resourceGroupName as string;
    const calls = callsOf(run, T.sas).map((c) => c.inputs);
    expect(calls).toHaveLength(3);
    expect(calls).toEqual(
      expect.arrayContaining([
        serviceSasArgs(west, group, "insights-logs-flowlogflowevent", "2027-01-01T00:00:00Z"),
        serviceSasArgs(west, group, "insights-logs-networksecuritygroupflowevent", "2027-01-01T00:00:00Z"),
        serviceSasArgs(north, group, "insights-logs-flowlogflowevent", "2027-01-01T00:00:00Z"),
      ]),
    );
    expect(calls[0]).toMatchObject({ resource: "c", permissions: "rl", protocols: "https" });
    expect(calls.map((c) => c.canonicalizedResource).sort()).toEqual([
      `/blob/${north}/insights-logs-flowlogflowevent`,
      `/blob/${west}/insights-logs-flowlogflowevent`,
      `/blob/${west}/insights-logs-networksecuritygroupflowevent`,
    ]);
  });

  it("exports the tokens and SAS URLs only as secrets, and nowhere in plain outputs", () => {
    expect(run.outputs.sekoiaSasTokens).toBe("[secret]");
    expect(run.outputs.sekoiaSasUrls).toBe("[secret]");
    const tokens = callsOf(run, T.sas).map((c) => c.result.serviceSasToken as string);
    const plain = JSON.stringify(run.outputs);
    for (const token of tokens) expect(plain).not.toContain(token);
  });
});

describe("SAS outputs", () => {
  it("hold, per region and container, the token and the ready-to-paste container URL", async () => {
    // The plain recipe, without the harness: config and mocks first, then import the program.
    vi.resetModules();
    const { values, secretKeys } = runtimeConfig(defaultConfig());
    pulumi.runtime.setAllConfig(values, secretKeys);
    await pulumi.runtime.setMocks(recordingMocks({ resources: [], calls: [] }), "sekoia-flowlogs", "test", false);
    (await import("../../../infra/config/stack-config.js")).clock.now = () => NOW;
    const program = (await (await import("../../../infra/index.js")).default()) as Record<string, pulumi.Output<any>>;
    expect(await pulumi.isSecret(program.sekoiaSasTokens)).toBe(true);
    const urls = await new Promise<Record<string, Record<string, Record<string, string>>>>((resolve) => program.sekoiaSasUrls.apply(resolve));
    const storage = await new Promise<Record<string, Record<string, { accountName: string }>>>((resolve) =>
      pulumi.output(program.flowLogStorage).apply(resolve),
    );
    const account = storage[SUBSCRIPTION].westeurope.accountName;
    expect(urls[SUBSCRIPTION].westeurope["insights-logs-flowlogflowevent"]).toMatch(
      new RegExp(`^https://${account}\\.blob\\.core\\.windows\\.net/insights-logs-flowlogflowevent\\?sv=.*&sr=c&sp=rl&se=2027-01-01T00:00:00Z&spr=https&sig=`),
    );
    expect(Object.keys(urls[SUBSCRIPTION].northeurope)).toEqual(["insights-logs-flowlogflowevent"]);
  });
});

describe("containersInUse", () => {
  it("needs the NSG container only for NSG targets", () => {
    expect(containersInUse(["vnet", "vnet"])).toEqual(["insights-logs-flowlogflowevent"]);
    expect(containersInUse(["nsg"])).toEqual(["insights-logs-networksecuritygroupflowevent"]);
  });
});
