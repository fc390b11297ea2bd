// test/azure/private-mode.ts: the decisions of the acceptance tier's private-mode run, checked without
// Azure: what it needs, the config it switches the stack to (which the program accepts), and what
// counts as a failed switch.
import { describe, expect, it } from "vitest";
import { parseStackConfig } from "../../infra/config/stack-config";
import { missingSettings } from "./decisions";
import { noTuplesMessage, privateStackConfig, publicAccounts, replacedOrDeleted } from "./private-mode";
import { acceptanceStackConfig } from "./stack-config";

const SUB = "6d3b1f2a-8c4e-4b7a-9f21-3e5c7a9d0b14";
const complete = { ACCEPTANCE_SUBSCRIPTION_ID: SUB, PULUMI_ACCESS_TOKEN: "pul-xyz", SEKOIA_VNET_INTAKE_KEY: "key" };
const privateEnv = {
  ...complete,
  ACCEPTANCE_MODE: "private",
  ACCEPTANCE_FORWARDER_IMAGE: `acracceptance.azurecr.io/sekoia-flowlogs-forwarder@sha256:${"c".repeat(64)}`,
  ACCEPTANCE_FORWARDER_REGISTRY_ID: `/subscriptions/${SUB}/resourceGroups/rg-acr/providers/Microsoft.ContainerRegistry/registries/acracceptance`,
};

describe("the private-mode run's settings", () => {
  it("asks for a prebuilt image and its registry in private mode only", () => {
    expect(missingSettings(complete)).toEqual([]);
    expect(missingSettings(privateEnv)).toEqual([]);
    expect(missingSettings({ ...complete, ACCEPTANCE_MODE: "private" })).toEqual([
      expect.stringMatching(/^ACCEPTANCE_FORWARDER_IMAGE: private mode cannot push an image/),
      expect.stringMatching(/^ACCEPTANCE_FORWARDER_REGISTRY_ID: set ACCEPTANCE_FORWARDER_REGISTRY_ID/),
    ]);
  });
});

describe("the switch to private mode", () => {
  const vnetId = `/subscriptions/${SUB}/resourceGroups/acceptance/providers/Microsoft.Network/virtualNetworks/vnet`;
  const base = acceptanceStackConfig("private", { location: "westeurope", subscriptionId: SUB, vnetId }, privateEnv, new Date("2026-06-01T00:00:00Z"));

  it("drops sasExpiry and adds the fixture's subnets and the prebuilt image, which the program accepts", () => {
    const config = privateStackConfig(base, vnetId, privateEnv);
    expect(config).not.toHaveProperty("sasExpiry");
    const raw = Object.fromEntries(Object.entries(config).map(([k, v]) => [k, v.value]));
    const { config: parsed } = parseStackConfig(raw, new Date("2026-06-01T00:00:00Z"));
    expect(parsed.privateNetworking).toMatchObject({
      containerAppsSubnet: { id: `${vnetId}/subnets/snet-sekoia-aca` },
      privateEndpointSubnet: { id: `${vnetId}/subnets/snet-sekoia-pe` },
      dns: "stack",
    });
  });

  it("fails when an account was replaced or deleted, or kept a public endpoint", () => {
    const account = (op: string, type = "azure-native:storage:StorageAccount") => ({ resourcePreEvent: { metadata: { op, type, urn: `urn:${op}:${type}` } } });
    expect(
      replacedOrDeleted([account("update"), account("same"), account("replace", "azure-native:app:ManagedEnvironment")], "azure-native:storage:StorageAccount"),
    ).toEqual([]);
    expect(replacedOrDeleted([account("create-replacement"), account("delete-replaced"), {}], "azure-native:storage:StorageAccount")).toHaveLength(2);
    expect(
      publicAccounts([
        { name: "closed", publicNetworkAccess: "Disabled", networkRuleSet: { defaultAction: "Deny" } },
        { name: "open", publicNetworkAccess: "Enabled", networkRuleSet: { defaultAction: "Deny" } },
        { name: "allowing", publicNetworkAccess: "Disabled", networkRuleSet: { defaultAction: "Allow" } },
      ]),
    ).toEqual(["open", "allowing"]);
  });

  it("says which side failed when no tuple arrives, from the flow-logs-stopped rule", () => {
    expect(noTuplesMessage(true)).toMatch(/alert fires: Network Watcher did not write to an account without public network access/);
    expect(noTuplesMessage(false)).toMatch(/does not fire: blobs were written, so the forwarder could not read them through the private endpoints/);
    expect(noTuplesMessage(undefined)).toMatch(/could not be run/);
  });
});
