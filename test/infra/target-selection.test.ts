// infra/target-selection.ts through the program: `{scope}` entries are listed (the deploying
// identity's token from azure-native's getClientToken invoke, answered by the mocks; the VNet list
// from a loopback ARM) before anything depends on them, so each selected VNet's flow log is a plain
// registration, in preview too, through its own subscription's provider.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Recorder } from "../../infra/mocks";
import type { ProgramRun } from "../../infra/plan-render";
import { ArmServer } from "../helpers/arm-server";
import { callsOf, defaultConfig, ids, resourcesOf, runStack, SUBSCRIPTION as HUB, T } from "./harness";

const SPOKE1 = "11111111-1111-4111-8111-111111111111";
const SPOKE2 = "22222222-2222-4222-8222-222222222222";
const vnetIn = (subscription: string, group: string, name: string) =>
  `/subscriptions/${subscription}/resourceGroups/${group}/providers/Microsoft.Network/virtualNetworks/${name}`;

let arm: ArmServer;
beforeAll(async () => {
  arm = await ArmServer.start({
    // What the mocks answer to azure-native:authorization:getClientToken (infra/mocks.ts).
    token: "FAKE-DEPLOYER-ACCESS-TOKEN",
    pageSize: 2,
    vnets: [
      { id: vnetIn(SPOKE1, "rg-app", "vnet-app-weu"), location: "westeurope" },
      { id: vnetIn(SPOKE1, "rg-app", "vnet-app-neu"), location: "northeurope" },
      { id: vnetIn(SPOKE1, "rg-data", "vnet-data"), location: "westeurope" },
      { id: vnetIn(SPOKE2, "rg-spoke2", "vnet-s2-weu"), location: "westeurope" },
      { id: vnetIn(SPOKE2, "rg-spoke2", "vnet-s2-eus"), location: "eastus" },
      { id: ids.vnet("vnet-weu"), location: "westeurope" },
    ],
    forbidden: [`/subscriptions/${SPOKE2}/resourcegroups/rg-locked`],
    missing: [`/subscriptions/${SPOKE2}/resourcegroups/rg-gone`],
  });
});
afterAll(async () => {
  await arm?.stop();
});

function selectionConfig(targets: unknown[]): Record<string, unknown> {
  return { ...defaultConfig(), "azure-native:subscriptionId": HUB, armEndpoint: arm.url, sekoiaNsgIntakeKey: undefined, targets };
}

describe.each([false, true])("scope selections (preview: %s)", (preview) => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runStack({
      config: selectionConfig([
        { id: ids.vnet("vnet-weu"), location: "westeurope" },
        { scope: `/subscriptions/${SPOKE1}` },
        { scope: `/subscriptions/${SPOKE2}/resourceGroups/rg-spoke2`, location: "westeurope" },
        { scope: `/subscriptions/${HUB}/resourceGroups/rg-net` },
      ]),
      preview,
    });
  });

  it("ask for the deploying identity's token through the shared provider", () => {
    expect(callsOf(run, "azure-native:authorization:getClientToken").map((c) => c.provider)).toEqual(["azure", "azure", "azure"]);
  });

  it("register one flow log per selected VNet, through the provider of its subscription", () => {
    const logs = resourcesOf(run, T.flowLog).map((l) => [l.inputs.targetResourceId, l.inputs.location, l.provider]);
    expect(logs.sort()).toEqual(
      [
        [ids.vnet("vnet-weu"), "westeurope", "azure"],
        [vnetIn(SPOKE1, "rg-app", "vnet-app-neu"), "northeurope", `azure-${SPOKE1}`],
        [vnetIn(SPOKE1, "rg-app", "vnet-app-weu"), "westeurope", `azure-${SPOKE1}`],
        [vnetIn(SPOKE1, "rg-data", "vnet-data"), "westeurope", `azure-${SPOKE1}`],
        [vnetIn(SPOKE2, "rg-spoke2", "vnet-s2-weu"), "westeurope", `azure-${SPOKE2}`],
      ].sort(),
    );
  });

  it("serialize the flow logs of one watcher, selected ones too", () => {
    const spoke1Weu = resourcesOf(run, T.flowLog).filter((l) => l.provider === `azure-${SPOKE1}` && l.inputs.location === "westeurope");
    const names = new Set(resourcesOf(run, T.flowLog).map((l) => l.name));
    const after = spoke1Weu.map((l) => (l.options?.dependsOn ?? []).filter((d) => names.has(d)).length).sort();
    expect(after).toEqual([0, 1]);
  });

  it("report what each entry selected: every page, the location filter, a VNet listed by id too only once", () => {
    expect(run.outputs.targetSelections).toEqual({
      "targets[1]": {
        scope: `/subscriptions/${SPOKE1}`,
        vnets: [vnetIn(SPOKE1, "rg-app", "vnet-app-neu"), vnetIn(SPOKE1, "rg-app", "vnet-app-weu"), vnetIn(SPOKE1, "rg-data", "vnet-data")],
      },
      "targets[2]": { scope: `/subscriptions/${SPOKE2}/resourceGroups/rg-spoke2`, location: "westeurope", vnets: [vnetIn(SPOKE2, "rg-spoke2", "vnet-s2-weu")] },
      "targets[3]": { scope: `/subscriptions/${HUB}/resourceGroups/rg-net`, vnets: [ids.vnet("vnet-weu")] },
    });
    expect(resourcesOf(run, T.flowLog).filter((l) => l.inputs.targetResourceId === ids.vnet("vnet-weu"))).toHaveLength(1);
  });
});

describe("a scope that selects nothing", () => {
  it("is a warning naming the entry and its subscription", async () => {
    const run = await runStack({
      config: selectionConfig([
        { id: ids.vnet("vnet-weu"), location: "westeurope" },
        { scope: `/subscriptions/${SPOKE2}/resourceGroups/rg-spoke2`, location: "northeurope" },
      ]),
    });
    expect(run.warnings).toContain(
      `targets[1]: scope /subscriptions/${SPOKE2}/resourceGroups/rg-spoke2 (location northeurope) selects no virtual network in subscription ${SPOKE2}: it adds no flow log.`,
    );
    expect(resourcesOf(run, T.flowLog)).toHaveLength(1);
  });

  it("is an error when no entry selects anything", async () => {
    await expect(runStack({ config: selectionConfig([{ scope: `/subscriptions/${SPOKE2}/resourceGroups/rg-empty` }]) })).rejects.toThrow(
      /targets: found no resource to turn flow logs on for \(every scope selects nothing\)/,
    );
  });
});

describe("a scope that cannot be listed", () => {
  it.each([
    ["rg-locked", /targets\[1\]\.scope \(subscription 2{8}-.*\): the deploying identity may not list the VNets of .*rg-locked \(403 .*\); grant it Reader/],
    ["rg-gone", /targets\[1\]\.scope \(subscription 2{8}-.*\): .*rg-gone does not exist \(404 ResourceGroupNotFound/],
  ])("stops the program before anything but the provider is registered (%s)", async (group, message) => {
    const recorder: Recorder = { resources: [], calls: [] };
    const config = selectionConfig([{ id: ids.vnet("vnet-weu"), location: "westeurope" }, { scope: `/subscriptions/${SPOKE2}/resourceGroups/${group}` }]);
    await expect(runStack({ config, recorder })).rejects.toThrow(message);
    expect(recorder.resources.map((r) => r.type)).toEqual(["pulumi:providers:azure-native"]);
  });
});
