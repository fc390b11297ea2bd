// infra/arm-id.ts: target ids are parsed case-insensitively into kind, subscription and name.
import { describe, expect, it } from "vitest";
import { FLOW_LOG_CONTAINERS } from "../../../forwarder/contract";
import { familyOf, parseTargetId } from "../../../infra/config/arm-id";
import { ids, SUBSCRIPTION } from "../harness";

describe("parseTargetId", () => {
  it("recognizes NSGs, VNets, subnets and NICs", () => {
    expect(parseTargetId(ids.nsg("nsg1"))).toEqual({ kind: "nsg", subscriptionId: SUBSCRIPTION, resourceGroup: "rg-net", name: "nsg1" });
    expect(parseTargetId(ids.vnet("v1"))).toMatchObject({ kind: "vnet", name: "v1" });
    expect(parseTargetId(ids.subnet("v1", "s1"))).toMatchObject({ kind: "subnet", name: "s1", parentName: "v1" });
    expect(parseTargetId(ids.nic("nic-1"))).toMatchObject({ kind: "nic", name: "nic-1" });
  });

  it("ignores the casing Azure ignores", () => {
    const upper = ids.vnet("Vnet1").replace("/virtualNetworks/", "/VIRTUALNETWORKS/").replace("/resourceGroups/", "/RESOURCEGROUPS/");
    expect(parseTargetId(upper.replace("Microsoft.Network", "microsoft.network"))).toMatchObject({ kind: "vnet", name: "Vnet1" });
  });

  it.each([
    ["", /expected an ARM id/],
    [`${ids.vnet("v1")}/`, /expected an ARM id/],
    [ids.subnet("v1", "s1").replace("/subnets/", "/subnets//"), /expected an ARM id/],
    [ids.vnet("v1").replace("virtualNetworks", "publicIPAddresses"), /resource type "Microsoft.Network\/publicIPAddresses"/],
    [`${ids.vnet("v1")}/subnets`, /resource type/],
    [ids.vnet("bad name"), /resource name "bad name"/],
  ])("rejects %j", (id, message) => {
    const parsed = parseTargetId(id);
    expect("error" in parsed && parsed.error).toMatch(message);
  });

  it("maps kinds to the two containers Azure writes", () => {
    expect(FLOW_LOG_CONTAINERS[familyOf("nsg")]).toBe("insights-logs-networksecuritygroupflowevent");
    for (const kind of ["vnet", "subnet", "nic"] as const) expect(FLOW_LOG_CONTAINERS[familyOf(kind)]).toBe("insights-logs-flowlogflowevent");
  });
});
