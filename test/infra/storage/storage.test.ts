// infra/storage.ts: one hardened account per target region, retention by one lifecycle rule, and a
// checkpoint account writable only with Entra ID.
import { beforeAll, describe, expect, it } from "vitest";
import type { ProgramRun } from "../../../infra/plan/plan-render";
import { deleteAfterRule, storageAccountName } from "../../../infra/storage/storage";
import { defaultConfig, ids, resourcesOf, runStack, T } from "../harness";

describe.each([false, true])("storage (preview: %s)", (preview) => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runStack({ config: { ...defaultConfig(), retentionDays: "45" }, preview });
  });

  const flowLogAccounts = () => resourcesOf(run, T.account).filter((a) => a.name.startsWith("flowlogs-"));

  it("creates one flow-log account per target region, in that region", () => {
    expect(
      flowLogAccounts()
        .map((a) => [a.name, a.inputs.location])
        .sort(),
    ).toEqual([
      ["flowlogs-northeurope-account", "northeurope"],
      ["flowlogs-westeurope-account", "westeurope"],
    ]);
  });

  it("hardens every account: StorageV2, HTTPS only, TLS 1.2, no public blob access", () => {
    for (const account of resourcesOf(run, T.account)) {
      expect(account.inputs).toMatchObject({
        kind: "StorageV2",
        enableHttpsTrafficOnly: true,
        minimumTlsVersion: "TLS1_2",
        allowBlobPublicAccess: false,
        allowCrossTenantReplication: false,
      });
      expect(account.inputs.accountName).toMatch(/^[a-z0-9]{3,24}$/);
      expect(account.inputs.tags).toMatchObject({ project: "sekoia-flowlogs", stack: "test" });
    }
  });

  it("keeps shared keys on flow-log accounts (the SAS needs them) and off on the checkpoint account", () => {
    for (const account of flowLogAccounts()) expect(account.inputs.allowSharedKeyAccess).toBe(true);
    const checkpoint = resourcesOf(run, T.account).find((a) => a.name === "checkpoints-account")!;
    expect(checkpoint.inputs).toMatchObject({ location: "westeurope", allowSharedKeyAccess: false, defaultToOAuthAuthentication: true });
  });

  it("deletes flow-log blobs after retentionDays and checkpoints 7 days later, one policy per account", () => {
    const policies = resourcesOf(run, T.policy);
    expect(policies.map((p) => p.name).sort()).toEqual(["checkpoints-retention", "flowlogs-northeurope-retention", "flowlogs-westeurope-retention"]);
    const flowLogPolicy = policies.find((p) => p.name === "flowlogs-westeurope-retention")!;
    expect(flowLogPolicy.inputs).toMatchObject({ managementPolicyName: "default" });
    expect(flowLogPolicy.inputs.policy).toEqual(
      deleteAfterRule("delete-old-flow-logs", ["insights-logs-networksecuritygroupflowevent", "insights-logs-flowlogflowevent"], 45),
    );
    const checkpointRule = (resourcesOf(run, T.policy).find((p) => p.name === "checkpoints-retention")!.inputs.policy as any).rules[0];
    expect(checkpointRule.definition).toEqual({
      filters: { blobTypes: ["blockBlob"], prefixMatch: ["checkpoints/"] },
      actions: { baseBlob: { delete: { daysAfterModificationGreaterThan: 52 } } },
    });
  });

  it("creates the private checkpoint container", () => {
    expect(resourcesOf(run, T.container).map((c) => c.inputs)).toEqual([expect.objectContaining({ containerName: "checkpoints", publicAccess: "None" })]);
  });
});

describe("region grouping", () => {
  it("puts targets of one region in one account, whatever their kind", async () => {
    const targets = [ids.vnet("a"), ids.nsg("b"), ids.nic("c")].map((id) => ({ id, location: "francecentral" }));
    const run = await runStack({ config: { ...defaultConfig(), targets } });
    expect(
      resourcesOf(run, T.account)
        .map((a) => a.name)
        .sort(),
    ).toEqual(["checkpoints-account", "flowlogs-francecentral-account"]);
  });
});

describe("storageAccountName", () => {
  it("fits Azure's 3-24 lowercase alphanumerics with the whole random suffix", () => {
    expect(storageAccountName("flaustraliasoutheast", "abcd1234")).toBe("flaustraliasouthabcd1234");
    expect(storageAccountName("fl-west.europe", "abcd1234")).toBe("flwesteuropeabcd1234");
  });
});
