// infra/vnet-lister.ts: the VNets of a scope from ARM's list API, every page, with the bearer token,
// and errors that say what to fix (403: the role; 404: the scope does not exist).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArmListError } from "../../../infra/estate/arm-list";
import { ArmVnetLister } from "../../../infra/estate/vnet-lister";
import { ArmServer } from "../../helpers/arm-server";

const SUB = "44444444-4444-4444-8444-444444444444";
const vnet = (group: string, name: string, location: string) => ({
  id: `/subscriptions/${SUB}/resourceGroups/${group}/providers/Microsoft.Network/virtualNetworks/${name}`,
  location,
});
const VNETS = [
  vnet("rg-a", "v1", "westeurope"),
  vnet("rg-a", "v2", "West Europe"),
  vnet("rg-b", "v3", "northeurope"),
  vnet("rg-b", "v4", "northeurope"),
  vnet("rg-b", "v5", "eastus"),
];

const watcher = (region: string) =>
  `/subscriptions/${SUB}/resourceGroups/NetworkWatcherRG/providers/Microsoft.Network/networkWatchers/NetworkWatcher_${region}`;
const FLOW_LOGS = [
  { id: `${watcher("westeurope")}/flowLogs/a`, targetResourceId: VNETS[0].id },
  { id: `${watcher("westeurope")}/flowLogs/b`, targetResourceId: VNETS[1].id },
  { id: `${watcher("westeurope")}/flowLogs/c`, targetResourceId: `${VNETS[1].id}/subnets/s` },
  { id: `${watcher("northeurope")}/flowLogs/d`, targetResourceId: VNETS[2].id },
  { id: `${watcher("eastus")}/flowLogs/e`, targetResourceId: VNETS[4].id },
];

let arm: ArmServer;
beforeAll(async () => {
  arm = await ArmServer.start({
    token: "t0ken",
    vnets: VNETS,
    watchers: [
      { id: watcher("westeurope"), location: "West Europe" },
      { id: watcher("northeurope"), location: "northeurope" },
      { id: watcher("eastus"), location: "eastus" },
    ],
    flowLogs: FLOW_LOGS,
    pageSize: 2,
    forbidden: [`/subscriptions/${SUB}/resourcegroups/rg-locked`],
    missing: [`/subscriptions/${SUB}/resourcegroups/rg-gone`, "/subscriptions/55555555-5555-4555-8555-555555555555"],
  });
});
afterAll(async () => {
  await arm?.stop();
});

// Retries do not wait here: test/infra/estate/arm-list.test.ts checks the waits.
const lister = (token = "t0ken", endpoint = arm.url) =>
  new ArmVnetLister(endpoint, () => Promise.resolve(token), { attempts: 5, sleep: () => Promise.resolve() });

describe("ArmVnetLister", () => {
  it("follows nextLink through every page of a subscription, normalizing regions", async () => {
    const before = arm.requests.length;
    const listing = await lister().list(`/subscriptions/${SUB}`);
    expect(listing).toEqual({ vnets: VNETS.map((v) => ({ id: v.id, location: v.location.replace(" ", "").toLowerCase() })) });
    expect(arm.requests.slice(before)).toEqual([
      `/subscriptions/${SUB}/providers/Microsoft.Network/virtualNetworks?api-version=2024-05-01`,
      `/subscriptions/${SUB}/providers/Microsoft.Network/virtualNetworks?api-version=2024-05-01&$skiptoken=2`,
      `/subscriptions/${SUB}/providers/Microsoft.Network/virtualNetworks?api-version=2024-05-01&$skiptoken=4`,
    ]);
  });

  it("lists one resource group", async () => {
    const listing = await lister().list(`/subscriptions/${SUB}/resourceGroups/rg-a`);
    expect("vnets" in listing && listing.vnets.map((v) => v.id)).toEqual([VNETS[0].id, VNETS[1].id]);
  });

  it("answers an empty scope with no VNet", async () => {
    expect(await lister().list(`/subscriptions/${SUB}/resourceGroups/rg-empty`)).toEqual({ vnets: [] });
  });

  it("lists the flow logs under the subscription's watchers of the regions asked for, every page", async () => {
    const before = arm.requests.length;
    const logs = await lister().flowLogs(SUB, ["northeurope", "westeurope"]);
    expect(logs).toEqual(FLOW_LOGS.slice(0, 4).map((f) => ({ id: f.id, name: f.id.split("/").pop(), targetResourceId: f.targetResourceId })));
    expect(arm.requests.slice(before).filter((r) => r.includes("/flowLogs"))).toEqual([
      `${watcher("westeurope")}/flowLogs?api-version=2024-05-01`,
      `${watcher("westeurope")}/flowLogs?api-version=2024-05-01&$skiptoken=2`,
      `${watcher("northeurope")}/flowLogs?api-version=2024-05-01`,
    ]);
  });

  it("names the scope and the role to grant on a 403", async () => {
    await expect(lister().list(`/subscriptions/${SUB}/resourceGroups/rg-locked`)).rejects.toThrow(
      new ArmListError(
        `the deploying identity may not list the VNets of /subscriptions/${SUB}/resourceGroups/rg-locked (403 AuthorizationFailed: The client does not have authorization to perform action); grant it Reader (or Network Contributor) on /subscriptions/${SUB}/resourceGroups/rg-locked, or select its VNets by id`,
        403,
        "AuthorizationFailed: The client does not have authorization to perform action",
      ),
    );
  });

  it("says the scope does not exist on a 404", async () => {
    await expect(lister().list(`/subscriptions/${SUB}/resourceGroups/rg-gone`)).rejects.toThrow(
      /^\/subscriptions\/4{8}-.*\/resourceGroups\/rg-gone does not exist \(404 ResourceGroupNotFound: .*\): check the subscription id and resource group name/,
    );
    await expect(lister().list("/subscriptions/55555555-5555-4555-8555-555555555555")).rejects.toThrow(/does not exist \(404 SubscriptionNotFound/);
  });

  it("says the token is not valid on a 401", async () => {
    await expect(lister("stale").list(`/subscriptions/${SUB}`)).rejects.toThrow(
      /was refused \(401 InvalidAuthenticationToken: bad token\): the Azure token is not valid/,
    );
  });

  it("never follows a nextLink to another host with the token", async () => {
    const elsewhere = await ArmServer.start({ token: "t0ken", vnets: VNETS, pageSize: 2, nextLinkBase: "http://127.0.0.2:9" });
    try {
      await expect(lister("t0ken", elsewhere.url).list(`/subscriptions/${SUB}`)).rejects.toThrow(
        /returned a next page on http:\/\/127\.0\.0\.2:9, not http:\/\/127\.0\.0\.1:\d+; the token is not sent there/,
      );
      expect(elsewhere.requests).toHaveLength(1);
    } finally {
      await elsewhere.stop();
    }
  });

  it("names the endpoint when ARM cannot be reached", async () => {
    const gone = await ArmServer.start({ token: "t0ken", vnets: [] });
    const url = gone.url;
    await gone.stop();
    await expect(lister("t0ken", url).list(`/subscriptions/${SUB}`)).rejects.toThrow(
      /at http:\/\/127\.0\.0\.1:\d+ failed \(.*\) after 5 attempts; check armEndpoint and the network/,
    );
  });
});
