// infra/network-watcher.ts: adopt NetworkWatcher_<region> by reading it (never owned, never deleted),
// or create one per region when asked.
import * as network from "@pulumi/azure-native/network";
import * as pulumi from "@pulumi/pulumi";
import { afterEach, describe, expect, it, vi } from "vitest";
import { recordingMocks } from "../../infra/mocks";
import { NetworkWatcher } from "../../infra/network-watcher";
import { defaultConfig, resourcesOf, runStack, SUBSCRIPTION, T } from "./harness";

describe.each([false, true])("networkWatcher (preview: %s)", (preview) => {
  it("existing: reads NetworkWatcher_<region> in NetworkWatcherRG of each region, registers none", async () => {
    const run = await runStack({ config: defaultConfig(), preview });
    const watchers = resourcesOf(run, T.watcher);
    expect(watchers.map((w) => [w.operation, w.id]).sort()).toEqual([
      ["read", `/subscriptions/${SUBSCRIPTION}/resourceGroups/NetworkWatcherRG/providers/Microsoft.Network/networkWatchers/NetworkWatcher_northeurope`],
      ["read", `/subscriptions/${SUBSCRIPTION}/resourceGroups/NetworkWatcherRG/providers/Microsoft.Network/networkWatchers/NetworkWatcher_westeurope`],
    ]);
    expect(run.outputs.networkWatchers).toEqual({
      westeurope: { name: "NetworkWatcher_westeurope", resourceGroupName: "NetworkWatcherRG", adopted: true },
      northeurope: { name: "NetworkWatcher_northeurope", resourceGroupName: "NetworkWatcherRG", adopted: true },
    });
  });

  it("create: registers one watcher per region in the stack's group, and flow logs go there", async () => {
    const run = await runStack({ config: { ...defaultConfig(), networkWatcher: "create" }, preview });
    const watchers = resourcesOf(run, T.watcher);
    expect(watchers.every((w) => w.operation === "register")).toBe(true);
    expect(watchers.map((w) => [w.inputs.networkWatcherName, w.inputs.location]).sort()).toEqual([
      ["NetworkWatcher_northeurope", "northeurope"],
      ["NetworkWatcher_westeurope", "westeurope"],
    ]);
    const group = run.outputs.resourceGroupName;
    for (const w of watchers) expect(w.inputs.resourceGroupName).toBe(group);
    for (const log of resourcesOf(run, T.flowLog)) expect(log.inputs.resourceGroupName).toBe(group);
  });
});

describe("NetworkWatcher component", () => {
  afterEach(() => vi.restoreAllMocks());

  it("adopts through NetworkWatcher.get (a read: destroy never deletes it), parented to the component", async () => {
    await pulumi.runtime.setMocks(recordingMocks({ resources: [], calls: [] }), "sekoia-flowlogs", "test", false);
    const get = vi.spyOn(network.NetworkWatcher, "get");
    const component = new NetworkWatcher("watcher-westeurope", {
      region: "westeurope",
      mode: "existing",
      subscriptionId: SUBSCRIPTION,
      resourceGroupName: "ignored",
    });
    expect(component.adopted).toBe(true);
    expect(get).toHaveBeenCalledWith(
      "watcher-westeurope-adopted",
      `/subscriptions/${SUBSCRIPTION}/resourceGroups/NetworkWatcherRG/providers/Microsoft.Network/networkWatchers/NetworkWatcher_westeurope`,
      { parent: component },
    );
    const name = await new Promise((resolve) => component.watcherName.apply(resolve));
    expect(name).toBe("NetworkWatcher_westeurope");
  });
});
