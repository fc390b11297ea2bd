// infra/network-watcher.ts: adopt NetworkWatcher_<region> by reading it (never owned, never deleted),
// or create one per region when asked.
import * as network from "@pulumi/azure-native/network";
import * as pulumi from "@pulumi/pulumi";
import { afterEach, describe, expect, it, vi } from "vitest";
import { recordingMocks } from "../../../infra/plan/mocks";
import { checkedWatcherName, NetworkWatcher } from "../../../infra/network/network-watcher";
import { defaultConfig, resourcesOf, runStack, SUBSCRIPTION, T } from "../harness";

describe.each([false, true])("networkWatcher (preview: %s)", (preview) => {
  it("existing: reads NetworkWatcher_<region> in NetworkWatcherRG of each region, registers none", async () => {
    const run = await runStack({ config: defaultConfig(), preview });
    const watchers = resourcesOf(run, T.watcher);
    expect(watchers.map((w) => [w.operation, w.id]).sort()).toEqual([
      ["read", `/subscriptions/${SUBSCRIPTION}/resourceGroups/NetworkWatcherRG/providers/Microsoft.Network/networkWatchers/NetworkWatcher_northeurope`],
      ["read", `/subscriptions/${SUBSCRIPTION}/resourceGroups/NetworkWatcherRG/providers/Microsoft.Network/networkWatchers/NetworkWatcher_westeurope`],
    ]);
    expect(run.outputs.networkWatchers).toEqual({
      [SUBSCRIPTION]: {
        westeurope: { name: "NetworkWatcher_westeurope", resourceGroupName: "NetworkWatcherRG", adopted: true },
        northeurope: { name: "NetworkWatcher_northeurope", resourceGroupName: "NetworkWatcherRG", adopted: true },
      },
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

const customWatcher = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-netops/providers/Microsoft.Network/networkWatchers/nw-weu-corp`;

describe.each([false, true])("networkWatchers (preview: %s)", (preview) => {
  it("reads the listed watcher by its id (any name, any group); unlisted regions keep the networkWatcher mode", async () => {
    const run = await runStack({
      config: { ...defaultConfig(), networkWatchers: { westeurope: customWatcher } },
      existingLocations: { [customWatcher]: "westeurope" },
      preview,
    });
    expect(
      resourcesOf(run, T.watcher)
        .map((w) => [w.operation, w.id])
        .sort(),
    ).toEqual([
      ["read", `/subscriptions/${SUBSCRIPTION}/resourceGroups/NetworkWatcherRG/providers/Microsoft.Network/networkWatchers/NetworkWatcher_northeurope`],
      ["read", customWatcher],
    ]);
    for (const log of resourcesOf(run, T.flowLog)) {
      const expected = log.inputs.location === "westeurope" ? ["nw-weu-corp", "rg-netops"] : ["NetworkWatcher_northeurope", "NetworkWatcherRG"];
      expect([log.inputs.networkWatcherName, log.inputs.resourceGroupName]).toEqual(expected);
    }
    expect(run.outputs.networkWatchers).toMatchObject({
      [SUBSCRIPTION]: { westeurope: { name: "nw-weu-corp", resourceGroupName: "rg-netops", adopted: true } },
    });
  });
});

describe("a listed watcher in another region", () => {
  const configured = { key: "networkWatchers.westeurope", id: customWatcher, resourceGroup: "rg-netops", name: "nw-weu-corp" };

  it("is an error naming networkWatchers.<region>, raised from the location Azure reports", () => {
    expect(() => checkedWatcherName(configured, "westeurope", "nw-weu-corp", "eastus")).toThrow(
      /^networkWatchers\.westeurope: found the watcher .*nw-weu-corp in "eastus", expected a watcher in westeurope/,
    );
    expect(checkedWatcherName(configured, "westeurope", "nw-weu-corp", "West Europe")).toBe("nw-weu-corp");
  });

  it("passes the watcher's name on once its location matches", async () => {
    await pulumi.runtime.setMocks(
      recordingMocks({ resources: [], calls: [] }, SUBSCRIPTION, { [customWatcher]: "westeurope" }),
      "sekoia-flowlogs",
      "test",
      false,
    );
    const component = new NetworkWatcher("watcher-westeurope", {
      region: "westeurope",
      mode: "create",
      configured,
      subscriptionId: SUBSCRIPTION,
      resourceGroupName: "ignored",
    });
    expect(component.adopted).toBe(true);
    const name = await new Promise((resolve) => component.watcherName.apply(resolve));
    expect(name).toBe("nw-weu-corp");
  });
});

describe("networkWatchers validation", () => {
  it.each([
    [{ westeurope: "nw-weu" }, /networkWatchers\.westeurope: found "nw-weu", expected the ARM id/],
    [{ westeurope: customWatcher.replace("networkWatchers", "virtualNetworks") }, /networkWatchers\.westeurope: found .*virtualNetworks/],
    [
      { westeurope: customWatcher.replace(SUBSCRIPTION, "11111111-2222-4333-8444-555555555555") },
      /networkWatchers\.westeurope: found a watcher of subscription 11111111-.*, expected one of subscription 6d3b1f2a-.* \(the default subscription, azure-native:subscriptionId\); for another subscription's watcher set networkWatchers\.<subscription guid>\.westeurope/,
    ],
    [{ "west-europe-1": customWatcher }, /networkWatchers\.west-europe-1: found the key "west-europe-1", expected a subscription guid or an Azure region/],
    [
      { [SUBSCRIPTION]: { westeurope: customWatcher.replace(SUBSCRIPTION, "11111111-2222-4333-8444-555555555555") } },
      /networkWatchers\.6d3b1f2a-.*\.westeurope: found a watcher of subscription 11111111-.*, expected one of subscription 6d3b1f2a-.* \(the subscription it is listed under\)/,
    ],
    [
      { westeurope: customWatcher, [SUBSCRIPTION]: { westeurope: customWatcher } },
      /networkWatchers\.6d3b1f2a-.*\.westeurope: found a second watcher for subscription 6d3b1f2a-.* in westeurope, besides networkWatchers\.westeurope/,
    ],
    [{ [SUBSCRIPTION]: customWatcher }, /networkWatchers\.6d3b1f2a-[^:]*: found ".*", expected an object mapping a region of subscription 6d3b1f2a-/],
    [[customWatcher], /networkWatchers: found \[.*\], expected an object/],
  ])("refuses %j", async (value, message) => {
    await expect(runStack({ config: { ...defaultConfig(), networkWatchers: value } })).rejects.toThrow(message);
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
