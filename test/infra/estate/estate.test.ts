// An estate (infra/estate.ts, subscriptions.ts, index.ts): targets in several subscriptions, each
// subscription's watchers and flow logs through a provider pinned to it, in-region accounts in the
// targets' subscription or a central one, and one forwarder granted read on every account, each
// grant made in the account's own subscription.
import { beforeAll, describe, expect, it } from "vitest";
import type { RecordedResource } from "../../../infra/plan/mocks";
import type { ProgramRun } from "../../../infra/plan/plan-render";
import { callsOf, defaultConfig, oneOf, plain, resourcesOf, runStack, SUBSCRIPTION as HUB, T } from "../harness";

const SPOKE1 = "11111111-1111-4111-8111-111111111111";
const SPOKE2 = "22222222-2222-4222-8222-222222222222";
const LOGGING = "33333333-3333-4333-8333-333333333333";
const vnetIn = (subscription: string, name: string) =>
  `/subscriptions/${subscription}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/${name}`;
const READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1";

/** A hub in westeurope and two spokes, one of them in two regions. */
function estateConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...defaultConfig(),
    "azure-native:subscriptionId": HUB,
    targets: [
      { id: vnetIn(HUB, "vnet-hub"), location: "westeurope" },
      { id: vnetIn(SPOKE1, "vnet-spoke1-weu"), location: "westeurope" },
      { id: vnetIn(SPOKE1, "vnet-spoke1-neu"), location: "northeurope" },
      { id: `${vnetIn(SPOKE2, "vnet-spoke2")}/subnets/snet-app`, location: "northeurope" },
    ],
    sekoiaNsgIntakeKey: undefined,
    ...extra,
  };
}

const subscriptionOf = (id: unknown): string => /^\/subscriptions\/([^/]+)\//i.exec(String(id))?.[1] ?? "";
const providerOf = (subscription: string): string => (subscription === HUB ? "azure" : `azure-${subscription}`);
const flowLogAccounts = (run: ProgramRun): RecordedResource[] => resourcesOf(run, T.account).filter((a) => a.name.startsWith("flowlogs-"));

describe.each([false, true])("a stack with targets in three subscriptions (preview: %s)", (preview) => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runStack({ config: estateConfig(), preview });
  });

  it("has one provider per subscription, the shared one keeping its name", () => {
    const providers = resourcesOf(run, "pulumi:providers:azure-native").map((p) => [p.name, p.inputs.subscriptionId]);
    expect(providers.sort()).toEqual([
      ["azure", HUB],
      [`azure-${SPOKE1}`, SPOKE1],
      [`azure-${SPOKE2}`, SPOKE2],
    ]);
  });

  it("registers each flow log through the provider of its target's subscription, under that subscription's watcher", () => {
    const logs = resourcesOf(run, T.flowLog);
    expect(logs).toHaveLength(4);
    for (const log of logs) {
      const subscription = subscriptionOf(log.inputs.targetResourceId);
      expect(log.provider, log.name).toBe(providerOf(subscription));
      expect(log.inputs).toMatchObject({ networkWatcherName: `NetworkWatcher_${String(log.inputs.location)}`, resourceGroupName: "NetworkWatcherRG" });
    }
    const watchers = resourcesOf(run, T.watcher).map((w) => [w.provider, w.id]);
    expect(watchers.sort()).toEqual(
      [
        ["azure", `/subscriptions/${HUB}/resourceGroups/NetworkWatcherRG/providers/Microsoft.Network/networkWatchers/NetworkWatcher_westeurope`],
        [`azure-${SPOKE1}`, `/subscriptions/${SPOKE1}/resourceGroups/NetworkWatcherRG/providers/Microsoft.Network/networkWatchers/NetworkWatcher_northeurope`],
        [`azure-${SPOKE1}`, `/subscriptions/${SPOKE1}/resourceGroups/NetworkWatcherRG/providers/Microsoft.Network/networkWatchers/NetworkWatcher_westeurope`],
        [`azure-${SPOKE2}`, `/subscriptions/${SPOKE2}/resourceGroups/NetworkWatcherRG/providers/Microsoft.Network/networkWatchers/NetworkWatcher_northeurope`],
      ].sort(),
    );
  });

  it("writes each flow log to an account of its target's region and subscription", () => {
    const accounts = flowLogAccounts(run);
    expect(accounts.map((a) => [a.provider, a.inputs.location]).sort()).toEqual(
      [
        ["azure", "westeurope"],
        [`azure-${SPOKE1}`, "northeurope"],
        [`azure-${SPOKE1}`, "westeurope"],
        [`azure-${SPOKE2}`, "northeurope"],
      ].sort(),
    );
    for (const log of resourcesOf(run, T.flowLog)) {
      const subscription = subscriptionOf(log.inputs.targetResourceId);
      const account = accounts.find((a) => String(log.inputs.storageId).endsWith(`/${String(a.inputs.accountName)}`))!;
      expect(account.inputs.location, log.name).toBe(log.inputs.location);
      expect(subscriptionOf(log.inputs.storageId), log.name).toBe(subscription);
    }
  });

  it("keeps the accounts of other subscriptions in a resource group of the stack there, with their own retention rule", () => {
    const groups = resourcesOf(run, "azure-native:resources:ResourceGroup").map((g) => [g.name, g.provider]);
    expect(groups.sort()).toEqual([
      ["sekoia-flowlogs", "azure"],
      [`sekoia-flowlogs-${SPOKE1}`, `azure-${SPOKE1}`],
      [`sekoia-flowlogs-${SPOKE2}`, `azure-${SPOKE2}`],
    ]);
    for (const account of flowLogAccounts(run)) {
      const group = String(account.inputs.resourceGroupName);
      const own = resourcesOf(run, "azure-native:resources:ResourceGroup").find((g) => g.provider === account.provider)!;
      // Auto-named: the logical name and a suffix.
      expect(group).toMatch(new RegExp(`^${own.name}[0-9a-f]{6}$`));
      const policy = oneOf(run, T.policy, account.name.replace(/-account$/, "-retention"));
      expect(policy.provider).toBe(account.provider);
      expect(policy.inputs.resourceGroupName).toBe(group);
    }
  });

  it("gives the one forwarder read access to every account, each grant in the account's subscription", () => {
    expect(resourcesOf(run, T.app)).toHaveLength(1);
    const readers = resourcesOf(run, T.role).filter((r) => String(r.inputs.roleDefinitionId).endsWith(`/${READER}`));
    const accounts = flowLogAccounts(run);
    expect(readers).toHaveLength(accounts.length);
    for (const role of readers) {
      const scope = String(role.inputs.scope);
      const subscription = subscriptionOf(scope);
      expect(role.provider, role.name).toBe(providerOf(subscription));
      expect(role.inputs.roleDefinitionId).toBe(`/subscriptions/${subscription}/providers/Microsoft.Authorization/roleDefinitions/${READER}`);
    }
    expect(readers.map((r) => String(r.inputs.scope).split("/").pop()).sort()).toEqual(accounts.map((a) => a.inputs.accountName).sort());
    const env = (plain(oneOf(run, T.app).inputs) as any).template.containers[0].env as Array<{ name: string; value?: string }>;
    const sources = env.find((e) => e.name === "FLOWLOG_SOURCES")!.value!.split(",");
    expect(sources.map((u) => new URL(u).hostname.split(".")[0]).sort()).toEqual(accounts.map((a) => a.inputs.accountName).sort());
    // The forwarder's status groups them by subscription.
    const labels = env.find((e) => e.name === "FLOWLOG_ACCOUNT_SUBSCRIPTIONS")!.value!.split(",");
    expect(labels.sort()).toEqual(
      accounts.map((a) => `${String(a.inputs.accountName)}=${a.provider === "azure" ? HUB : a.provider!.slice("azure-".length)}`).sort(),
    );
  });

  it("logs every account's writes to the one workspace, through the account's provider", () => {
    const settings = resourcesOf(run, T.diagnostic).filter((s) => s.name.startsWith("alerts-writes-"));
    expect(settings).toHaveLength(4);
    for (const s of settings) expect(s.inputs.workspaceId).toBe(run.outputs.logAnalyticsWorkspaceId);
    expect(settings.map((s) => s.provider).sort()).toEqual(["azure", `azure-${SPOKE1}`, `azure-${SPOKE1}`, `azure-${SPOKE2}`].sort());
  });

  it("asks each account's SAS through its own subscription's provider", () => {
    const sas = callsOf(run, T.sas);
    expect(sas).toHaveLength(4);
    for (const call of sas) {
      const account = flowLogAccounts(run).find((a) => a.inputs.accountName === call.inputs.accountName)!;
      expect(call.provider).toBe(account.provider);
      expect(call.inputs.resourceGroupName).toBe(account.inputs.resourceGroupName);
    }
  });

  it("keeps the shared resources in the shared subscription", () => {
    for (const type of [T.app, T.environment, T.identity, T.rule, "azure-native:operationalinsights:Workspace"]) {
      for (const r of resourcesOf(run, type)) expect(r.provider, `${type} ${r.name}`).toBe("azure");
    }
  });

  it("groups the stack outputs by subscription", () => {
    const storage = run.outputs.flowLogStorage as Record<string, Record<string, unknown>>;
    expect(Object.fromEntries(Object.entries(storage).map(([s, regions]) => [s, Object.keys(regions).sort()]))).toEqual({
      [HUB]: ["westeurope"],
      [SPOKE1]: ["northeurope", "westeurope"],
      [SPOKE2]: ["northeurope"],
    });
    const flowLogIds = run.outputs.flowLogIds as Record<string, Record<string, string>>;
    expect(Object.keys(flowLogIds[SPOKE1]).sort()).toEqual([vnetIn(SPOKE1, "vnet-spoke1-neu"), vnetIn(SPOKE1, "vnet-spoke1-weu")]);
    for (const [subscription, logs] of Object.entries(flowLogIds)) for (const id of Object.values(logs)) expect(subscriptionOf(id)).toBe(subscription);
    const watchers = run.outputs.networkWatchers as Record<string, Record<string, { name: string }>>;
    expect(watchers[SPOKE2].northeurope.name).toBe("NetworkWatcher_northeurope");
  });
});

describe("flowLogStorageSubscriptionId: a central logging subscription", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runStack({ config: estateConfig({ flowLogStorageSubscriptionId: LOGGING }) });
  });

  it("holds one account per region for every subscription's flow logs", () => {
    expect(
      flowLogAccounts(run)
        .map((a) => [a.name, a.provider, a.inputs.location])
        .sort(),
    ).toEqual([
      [`flowlogs-northeurope-${LOGGING}-account`, `azure-${LOGGING}`, "northeurope"],
      [`flowlogs-westeurope-${LOGGING}-account`, `azure-${LOGGING}`, "westeurope"],
    ]);
    for (const log of resourcesOf(run, T.flowLog)) {
      expect(log.provider).toBe(providerOf(subscriptionOf(log.inputs.targetResourceId)));
      expect(subscriptionOf(log.inputs.storageId)).toBe(LOGGING);
    }
  });

  it("grants the forwarder read there, through the logging subscription's provider", () => {
    const readers = resourcesOf(run, T.role).filter((r) => String(r.inputs.roleDefinitionId).endsWith(`/${READER}`));
    expect(readers.map((r) => [r.provider, subscriptionOf(r.inputs.roleDefinitionId)])).toEqual([
      [`azure-${LOGGING}`, LOGGING],
      [`azure-${LOGGING}`, LOGGING],
    ]);
    expect(Object.keys(run.outputs.flowLogStorage as object)).toEqual([LOGGING]);
  });

  it("creates no resource group in a spoke that holds only adopted watchers and flow logs", () => {
    expect(
      resourcesOf(run, "azure-native:resources:ResourceGroup")
        .map((g) => g.name)
        .sort(),
    ).toEqual(["sekoia-flowlogs", `sekoia-flowlogs-${LOGGING}`]);
  });
});

describe("watchers per subscription", () => {
  const spokeWatcher = `/subscriptions/${SPOKE1}/resourceGroups/rg-netops/providers/Microsoft.Network/networkWatchers/nw-spoke1-weu`;

  it("reads the watcher listed for a subscription and region, and only there", async () => {
    const run = await runStack({
      config: estateConfig({ networkWatchers: { [SPOKE1]: { westeurope: spokeWatcher } } }),
      existingLocations: { [spokeWatcher]: "westeurope" },
    });
    for (const log of resourcesOf(run, T.flowLog)) {
      const listed = subscriptionOf(log.inputs.targetResourceId) === SPOKE1 && log.inputs.location === "westeurope";
      expect([log.inputs.networkWatcherName, log.inputs.resourceGroupName], log.name).toEqual(
        listed ? ["nw-spoke1-weu", "rg-netops"] : [`NetworkWatcher_${String(log.inputs.location)}`, "NetworkWatcherRG"],
      );
    }
  });

  it("warns about a listed watcher no target uses, naming its subscription", async () => {
    const unused = `/subscriptions/${SPOKE2}/resourceGroups/rg-netops/providers/Microsoft.Network/networkWatchers/nw-spoke2-weu`;
    const run = await runStack({ config: estateConfig({ networkWatchers: { [SPOKE2]: { westeurope: unused } } }) });
    expect(run.warnings).toContain(`networkWatchers.${SPOKE2}.westeurope is set but no target is in subscription ${SPOKE2} and westeurope: it is not used.`);
  });

  it("create: one watcher per subscription and region, in the stack's group of that subscription", async () => {
    const run = await runStack({ config: estateConfig({ networkWatcher: "create" }) });
    const created = resourcesOf(run, T.watcher);
    expect(created).toHaveLength(4);
    for (const w of created) {
      expect(w.operation).toBe("register");
      const group = resourcesOf(run, "azure-native:resources:ResourceGroup").find((g) => g.provider === w.provider)!;
      expect(String(w.inputs.resourceGroupName)).toMatch(new RegExp(`^${group.name}[0-9a-f]{6}$`));
    }
  });
});
