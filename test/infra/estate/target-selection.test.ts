// infra/target-selection.ts through the program: `{scope}` entries are listed (the deploying
// identity's token from azure-native's getClientToken invoke, answered by the mocks; the VNet list
// from a loopback ARM) before anything depends on them, so each selected VNet's flow log is a plain
// registration, in preview too, through its own subscription's provider.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flowLogName } from "../../../infra/network/flow-logs";
import type { Recorder } from "../../../infra/plan/mocks";
import type { ProgramRun } from "../../../infra/plan/plan-render";
import { ArmServer } from "../../helpers/arm-server";
import { callsOf, defaultConfig, ids, resourcesOf, runStack, SUBSCRIPTION as HUB, T } from "../harness";

const SPOKE1 = "11111111-1111-4111-8111-111111111111";
const SPOKE2 = "22222222-2222-4222-8222-222222222222";
/** A landing-zone spoke where Azure Policy already deployed a flow log on one VNet. */
const SPOKE3 = "33333333-3333-4333-8333-333333333333";
/** A spoke whose watchers the deploying identity may not list. */
const SPOKE4 = "44444444-4444-4444-8444-444444444444";
const vnetIn = (subscription: string, group: string, name: string) =>
  `/subscriptions/${subscription}/resourceGroups/${group}/providers/Microsoft.Network/virtualNetworks/${name}`;
const watcherIn = (subscription: string, region: string) =>
  `/subscriptions/${subscription}/resourceGroups/NetworkWatcherRG/providers/Microsoft.Network/networkWatchers/NetworkWatcher_${region}`;
const POLICY_FLOW_LOG = `${watcherIn(SPOKE3, "westeurope")}/flowLogs/vnet-policy-rg-app-flowlog`;
/** The flow log a previous `up` of this stack made on vnet-ours: the name flow-logs.ts gives it. */
const OUR_FLOW_LOG_NAME = flowLogName({ id: vnetIn(SPOKE3, "rg-app", "vnet-ours"), kind: "vnet", name: "vnet-ours" });

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
      { id: vnetIn(SPOKE3, "rg-app", "vnet-policy"), location: "westeurope" },
      { id: vnetIn(SPOKE3, "rg-app", "vnet-ours"), location: "westeurope" },
      { id: vnetIn(SPOKE3, "rg-app", "vnet-bare"), location: "westeurope" },
      { id: vnetIn(SPOKE4, "rg-app", "vnet-s4"), location: "westeurope" },
    ],
    watchers: [
      { id: watcherIn(SPOKE3, "westeurope"), location: "westeurope" },
      { id: watcherIn(SPOKE3, "eastus"), location: "eastus" },
    ],
    flowLogs: [
      { id: POLICY_FLOW_LOG, targetResourceId: vnetIn(SPOKE3, "rg-app", "vnet-policy") },
      { id: `${watcherIn(SPOKE3, "westeurope")}/flowLogs/${OUR_FLOW_LOG_NAME.toUpperCase()}`, targetResourceId: vnetIn(SPOKE3, "rg-app", "vnet-ours") },
      { id: `${watcherIn(SPOKE3, "eastus")}/flowLogs/elsewhere`, targetResourceId: vnetIn(SPOKE3, "rg-east", "vnet-east") },
    ],
    forbidden: [`/subscriptions/${SPOKE2}/resourcegroups/rg-locked`, `/subscriptions/${SPOKE4}`],
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
    // One per listing: the three scopes, then the flow logs of the two spokes they select VNets in.
    expect(callsOf(run, "azure-native:authorization:getClientToken").map((c) => c.provider)).toEqual(["azure", "azure", "azure", "azure", "azure"]);
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

describe("a selected VNet that already has a flow log", () => {
  let run: ProgramRun;
  let requests: string[];
  beforeAll(async () => {
    const before = arm.requests.length;
    run = await runStack({ config: selectionConfig([{ id: ids.vnet("vnet-weu"), location: "westeurope" }, { scope: `/subscriptions/${SPOKE3}` }]) });
    requests = arm.requests.slice(before);
  });

  it("is skipped with a warning naming the entry, the VNet, the flow log and how to adopt it", () => {
    expect(run.warnings).toContain(
      `targets[1]: skipping VNet ${vnetIn(SPOKE3, "rg-app", "vnet-policy")}: it already has the flow log ${POLICY_FLOW_LOG}, not made by this stack, ` +
        "and Azure allows one per target. To adopt it, list the VNet as its own entry " +
        `{id: ${vnetIn(SPOKE3, "rg-app", "vnet-policy")}, location: westeurope, flowLogName: vnet-policy-rg-app-flowlog} and \`pulumi import\` it (docs/runbook.md#adopting-an-existing-flow-log).`,
    );
    const targets = resourcesOf(run, T.flowLog).map((l) => l.inputs.targetResourceId);
    expect(targets).not.toContain(vnetIn(SPOKE3, "rg-app", "vnet-policy"));
    expect((run.outputs.targetSelections as Record<string, { vnets: string[] }>)["targets[1]"].vnets).toEqual([
      vnetIn(SPOKE3, "rg-app", "vnet-bare"),
      vnetIn(SPOKE3, "rg-app", "vnet-ours"),
    ]);
  });

  it("is kept when the flow log is the stack's own from a previous up (its name), so a second up changes nothing", () => {
    const ours = resourcesOf(run, T.flowLog).find((l) => l.inputs.targetResourceId === vnetIn(SPOKE3, "rg-app", "vnet-ours"));
    expect(ours?.inputs.flowLogName).toBe(OUR_FLOW_LOG_NAME);
    expect(ours?.provider).toBe(`azure-${SPOKE3}`);
    expect(resourcesOf(run, T.flowLog).map((l) => l.inputs.targetResourceId)).toContain(vnetIn(SPOKE3, "rg-app", "vnet-bare"));
    expect(run.warnings.filter((w) => w.includes("vnet-ours") || w.includes("vnet-bare"))).toEqual([]);
  });

  it("is found under the subscription's watchers of the selected VNets' regions only", () => {
    expect(requests.filter((r) => r.includes("networkWatchers"))).toEqual([
      `/subscriptions/${SPOKE3}/providers/Microsoft.Network/networkWatchers?api-version=2024-05-01`,
      `${watcherIn(SPOKE3, "westeurope")}/flowLogs?api-version=2024-05-01`,
    ]);
  });

  it("cannot be checked without reading the subscription's watchers: the program stops naming the entry and the role", async () => {
    const config = selectionConfig([{ id: ids.vnet("vnet-weu"), location: "westeurope" }, { scope: `/subscriptions/${SPOKE4}/resourceGroups/rg-app` }]);
    await expect(runStack({ config })).rejects.toThrow(
      `targets[1].scope (subscription ${SPOKE4}): the deploying identity may not list the Network Watchers of /subscriptions/${SPOKE4} (403 AuthorizationFailed: ` +
        `The client does not have authorization to perform action); grant it Reader (or Network Contributor) on /subscriptions/${SPOKE4}, or select its VNets by id`,
    );
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
      /targets: found no resource to turn flow logs on for \(every scope selects nothing, or only VNets with a flow log of their own\)/,
    );
  });
});

describe("a scope that cannot be listed", () => {
  it.each([
    ["rg-locked", /targets\[1\]\.scope \(subscription 2{8}-.*\): the deploying identity may not list the VNets of .*rg-locked \(403 .*\); grant it Reader/],
    ["rg-gone", /targets\[1\]\.scope \(subscription 2{8}-.*\): .*rg-gone does not exist \(404 ResourceGroupNotFound/],
  ])("stops the program before anything but the component, the shared-subscription guard and its provider is registered (%s)", async (group, message) => {
    const recorder: Recorder = { resources: [], calls: [] };
    const config = selectionConfig([{ id: ids.vnet("vnet-weu"), location: "westeurope" }, { scope: `/subscriptions/${SPOKE2}/resourceGroups/${group}` }]);
    await expect(runStack({ config, recorder })).rejects.toThrow(message);
    expect(recorder.resources.map((r) => r.type)).toEqual([
      "sekoia-flowlogs:index:SekoiaFlowLogs",
      "pulumi-nodejs:dynamic/sekoia:SharedSubscriptionGuard",
      "pulumi:providers:azure-native",
    ]);
  });
});
