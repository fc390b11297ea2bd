// Hour partitions of flow-log blob names: the hour and the root (resource) are read from `y=/m=/d=/h=`
// wherever that sits in the name, and hour paths are built in UTC.

import { describe, expect, it } from "vitest";
import { floorHour, HOUR_MS, hourPartition, hourPath, isFlowLogBlob, isYearPrefix } from "../../../forwarder/source/hour-partition";

const NSG =
  "resourceId=/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG-A/y=2026/m=02/d=28/h=23/m=00/macAddress=000D3A000001/PT1H.json";
const VNET = "flowLogResourceID=/S/RG/NETWORKWATCHER_WESTEUROPE_FL-A/y=2026/m=12/d=31/h=00/m=00/macAddress=6045BD000001/PT1H.json";

describe("hourPartition", () => {
  it("reads the hour (UTC) and the root of an NSG blob name", () => {
    expect(hourPartition(NSG)).toEqual({
      root: "resourceId=/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG-A/",
      hour: Date.UTC(2026, 1, 28, 23),
    });
  });

  it("reads a VNet layout whose root has a different shape", () => {
    expect(hourPartition(VNET)).toEqual({ root: "flowLogResourceID=/S/RG/NETWORKWATCHER_WESTEUROPE_FL-A/", hour: Date.UTC(2026, 11, 31, 0) });
  });

  it("reads a name that starts with the hour partition (empty root)", () => {
    expect(hourPartition("y=2026/m=01/d=01/h=05/m=00/PT1H.json")).toEqual({ root: "", hour: Date.UTC(2026, 0, 1, 5) });
  });

  it("finds no partition where y= is only part of a segment or the name has none", () => {
    expect(hourPartition("resourceId=/Xy=2026/m=01/d=01/h=05/PT1H.json")).toBeUndefined();
    expect(hourPartition("some/other/blob.json")).toBeUndefined();
  });
});

describe("hourPath", () => {
  it("is the UTC hour path that hourPartition reads back", () => {
    const hour = Date.UTC(2026, 0, 9, 7);
    expect(hourPath(hour)).toBe("y=2026/m=01/d=09/h=07/");
    expect(hourPartition(`root/${hourPath(hour)}m=00/PT1H.json`)?.hour).toBe(hour);
  });
});

describe("floorHour", () => {
  it("rounds down to the start of the hour", () => {
    const hour = Date.UTC(2026, 3, 2, 10);
    expect(floorHour(hour)).toBe(hour);
    expect(floorHour(hour + HOUR_MS - 1)).toBe(hour);
    expect(floorHour(hour + HOUR_MS)).toBe(hour + HOUR_MS);
  });
});

describe("isYearPrefix", () => {
  it("is true only for the y=YYYY/ level right under the parent", () => {
    expect(isYearPrefix("resourceId=/A/y=2026/", "resourceId=/A/")).toBe(true);
    expect(isYearPrefix("resourceId=/A/B/", "resourceId=/A/")).toBe(false);
    expect(isYearPrefix("resourceId=/A/y=26/", "resourceId=/A/")).toBe(false);
  });
});

describe("isFlowLogBlob", () => {
  it("accepts PT1H.json blobs only", () => {
    expect(isFlowLogBlob(NSG)).toBe(true);
    expect(isFlowLogBlob("PT1H.json")).toBe(true);
    expect(isFlowLogBlob("a/NOTPT1H.json")).toBe(false);
    expect(isFlowLogBlob("a/PT1H.json.tmp")).toBe(false);
  });
});
