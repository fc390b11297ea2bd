// VNet records (flowLogVersion 4 and later) become one "Azure Network Watcher Flow Logs" event per flow
// tuple, millisecond timestamps and D (denied) states passed through verbatim; malformed shapes are
// reported and skipped.

import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { MAX_EVENT_BYTES, type DecodeOutput, type MalformedReason } from "../../../forwarder/decode/decode-output";
import { decodeRecord } from "../../../forwarder/decode/record-decoder";
import { splitDocument } from "../../../forwarder/decode/record-splitter";
import { decodeVnetRecord } from "../../../forwarder/decode/vnet-record";

function collect() {
  const events: Record<string, unknown>[] = [];
  const malformed: { reason: MalformedReason; detail: string; item: string }[] = [];
  const out: DecodeOutput = {
    event: (quoted) => events.push(JSON.parse(JSON.parse(quoted) as string) as Record<string, unknown>),
    malformed: (reason, detail, item) => malformed.push({ reason, detail, item }),
  };
  return { events, malformed, out };
}

const TARGET = "/subscriptions/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee/resourceGroups/rg-data/providers/Microsoft.Network/virtualNetworks/vnet-data";
const FLOWLOG =
  "/SUBSCRIPTIONS/AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_WESTEUROPE/FLOWLOGS/FL-DATA";
const DENIED = "1775121303421,198.51.100.77,10.2.0.9,44120,3389,6,I,D,NX,1,60,0,0";
const ENDED = "1775121309877,10.2.0.9,10.2.1.15,52001,1433,6,O,E,NX,40,8120,38,220014";

function vnetRecord(tuples: unknown[], overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    time: "2026-04-02T09:15:10.0001234Z",
    flowLogVersion: 4,
    flowLogGUID: "d4c3b2a1-1111-2222-3333-444455556666",
    macAddress: "6045BDAA0011",
    category: "FlowLogFlowEvent",
    flowLogResourceID: FLOWLOG,
    targetResourceID: TARGET,
    operationName: "FlowLogFlowEvent",
    flowRecords: { flows: [{ aclID: "5e6f7a8b-0000-4111-8222-933344455566", flowGroups: [{ rule: "UserRule_DenyRdp", flowTuples: tuples }] }] },
    ...overrides,
  };
}

describe("decodeVnetRecord", () => {
  it("emits one event per tuple in the Flow Logs shape, millisecond time and D state verbatim", () => {
    const c = collect();
    decodeVnetRecord(vnetRecord([DENIED, ENDED]), c.out);
    expect(c.malformed).toEqual([]);
    expect(c.events).toEqual([
      {
        time: "2026-04-02T09:15:10.0001234Z",
        flowLogVersion: 4,
        flowLogGUID: "d4c3b2a1-1111-2222-3333-444455556666",
        macAddress: "6045BDAA0011",
        operationName: "FlowLogFlowEvent",
        aclID: "5e6f7a8b-0000-4111-8222-933344455566",
        rule: "UserRule_DenyRdp",
        "flow.0": DENIED,
        targetResourceID: TARGET,
        flowLogResourceID: FLOWLOG,
        category: "FlowLogFlowEvent",
      },
      expect.objectContaining({ "flow.0": ENDED }),
    ]);
    expect((c.events[0]["flow.0"] as string).split(",")[0]).toHaveLength(13);
    expect((c.events[0]["flow.0"] as string).split(",")[7]).toBe("D");
  });

  it("accepts flowLogVersion later than 4 and keeps its number", () => {
    const c = collect();
    decodeVnetRecord(vnetRecord([ENDED], { flowLogVersion: 5 }), c.out);
    expect(c.events).toHaveLength(1);
    expect(c.events[0].flowLogVersion).toBe(5);
  });

  it("leaves out optional keys that are absent instead of writing null", () => {
    const c = collect();
    decodeVnetRecord(vnetRecord([ENDED], { targetResourceID: undefined, flowLogResourceID: 12, category: undefined, operationName: undefined }), c.out);
    expect(c.events[0]).not.toHaveProperty("targetResourceID");
    expect(c.events[0]).not.toHaveProperty("flowLogResourceID");
    expect(c.events[0]).not.toHaveProperty("category");
    expect(c.events[0].operationName).toBe("FlowLogFlowEvent");
  });

  it("emits every tuple of every ACL and every flow group", () => {
    const c = collect();
    const record = vnetRecord([]);
    record.flowRecords = {
      flows: [
        {
          aclID: "A1",
          flowGroups: [
            { rule: "R1", flowTuples: [DENIED] },
            { rule: "R2", flowTuples: [ENDED, DENIED] },
          ],
        },
        { aclID: "A2", flowGroups: [{ rule: "R3", flowTuples: [ENDED] }] },
      ],
    };
    decodeVnetRecord(record, c.out);
    expect(c.events.map((e) => `${e.aclID}/${e.rule}/${e["flow.0"]}`)).toEqual([`A1/R1/${DENIED}`, `A1/R2/${ENDED}`, `A1/R2/${DENIED}`, `A2/R3/${ENDED}`]);
  });

  it.each([[3], [1], ["4"], [4.5], [null], [undefined]])("reports flowLogVersion %j as unknown_version", (version) => {
    const c = collect();
    decodeVnetRecord(vnetRecord([ENDED], { flowLogVersion: version }), c.out);
    expect(c.events).toEqual([]);
    expect(c.malformed.map((m) => m.reason)).toEqual(["unknown_version"]);
  });

  it.each([
    ["time", { time: undefined }],
    ["flowLogGUID", { flowLogGUID: undefined }],
    ["macAddress", { macAddress: 17 }],
    ["flowRecords", { flowRecords: undefined }],
    ["flowRecords.flows", { flowRecords: { flows: "x" } }],
  ])("reports a record missing %s as invalid_record", (_field, overrides) => {
    const c = collect();
    decodeVnetRecord(vnetRecord([ENDED], overrides), c.out);
    expect(c.events).toEqual([]);
    expect(c.malformed.map((m) => m.reason)).toEqual(["invalid_record"]);
  });

  it("reports a flow without aclID and a group without rule, and decodes the rest", () => {
    const c = collect();
    const record = vnetRecord([]);
    record.flowRecords = {
      flows: [
        { flowGroups: [{ rule: "R", flowTuples: [DENIED] }] },
        { aclID: "A", flowGroups: [{ flowTuples: [DENIED] }, { rule: "R", flowTuples: [ENDED] }] },
      ],
    };
    decodeVnetRecord(record, c.out);
    expect(c.events.map((e) => e["flow.0"])).toEqual([ENDED]);
    expect(c.malformed.map((m) => m.reason)).toEqual(["invalid_record", "invalid_record"]);
  });

  it("reports a tuple with the wrong field count (an NSG-style tuple) and keeps the others", () => {
    const c = collect();
    decodeVnetRecord(vnetRecord(["1775121303,198.51.100.77,10.2.0.9,44120,3389,T,I,D", ENDED, `${ENDED},extra`]), c.out);
    expect(c.events.map((e) => e["flow.0"])).toEqual([ENDED]);
    expect(c.malformed.map((m) => m.reason)).toEqual(["invalid_tuple", "invalid_tuple"]);
    expect(c.malformed[1].detail).toContain("14 fields, expected 13");
  });

  it("reports an NSG record in a VNet container as kind_mismatch", () => {
    const c = collect();
    decodeVnetRecord({ time: "t", category: "NetworkSecurityGroupFlowEvent", resourceId: "r", properties: { Version: 2, flows: [] } }, c.out);
    expect(c.malformed.map((m) => m.reason)).toEqual(["kind_mismatch"]);
  });

  it("reports an event over 250,000 bytes as event_too_large", () => {
    const c = collect();
    decodeVnetRecord(vnetRecord([ENDED], { targetResourceID: "x".repeat(MAX_EVENT_BYTES) }), c.out);
    expect(c.events).toEqual([]);
    expect(c.malformed.map((m) => m.reason)).toEqual(["event_too_large"]);
  });

  it("does not let __proto__ or constructor keys pollute prototypes, and decodes the record", () => {
    const c = collect();
    const text =
      `{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"time":"t","flowLogVersion":4,` +
      `"flowLogGUID":"g","macAddress":"m","flowRecords":{"__proto__":{"flows":[]},"flows":[{"aclID":"a","constructor":1,` +
      `"flowGroups":[{"__proto__":{"rule":"hidden"},"flowTuples":["${DENIED}"]},{"rule":"R","flowTuples":["${ENDED}"]}]}]}}`;
    decodeRecord("vnet", JSON.parse(text), c.out);
    expect(c.events.map((e) => e["flow.0"])).toEqual([ENDED]);
    expect(c.malformed.map((m) => m.reason)).toEqual(["invalid_record"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty("rule");
  });
});

describe("decodeRecord", () => {
  it.each([[null], [42], ["text"], [[1, 2]]])("reports a record %j that is not a JSON object as invalid_record", (record) => {
    for (const kind of ["nsg", "vnet"] as const) {
      const c = collect();
      decodeRecord(kind, record, c.out);
      expect(c.malformed.map((m) => m.reason)).toEqual(["invalid_record"]);
    }
  });
});

describe("a VNet PT1H.json blob (fixture)", () => {
  it("decodes every tuple of every record, millisecond timestamps and D states intact", () => {
    const bytes = readFileSync(path.resolve(__dirname, "../../fixtures/vnet-PT1H.json"));
    const parsed = splitDocument(bytes);
    const c = collect();
    for (const record of parsed.records) decodeRecord("vnet", record, c.out);
    expect(c.malformed).toEqual([]);
    expect(c.events.map((e) => `${e.aclID === "0f6a2b31-98c4-47d2-b5e1-7a8c9d0e1f23" ? "guid" : "nsg"} ${e.rule} ${e["flow.0"]}`)).toEqual([
      "guid DefaultRule_AllowInternetOutBound 1773074433117,10.8.1.4,52.239.152.10,50112,443,6,O,B,NX,0,0,0,0",
      "guid DefaultRule_AllowInternetOutBound 1773074461802,10.8.1.4,52.239.152.10,50112,443,6,O,E,NX,18,3312,22,90118",
      "guid DefaultRule_DenyAllInBound 1773074447250,91.92.240.17,10.8.1.4,47210,3389,6,I,D,NX,1,60,0,0",
      "nsg UserRule_AllowDnsFromSpokes 1773074450009,10.9.0.12,10.8.1.4,61001,53,17,I,C,NX_HSM,4,288,4,512",
      "guid DefaultRule_DenyAllInBound 1773074464531,45.148.10.92,10.8.1.4,52814,22,6,I,D,NX,1,60,0,0",
    ]);
    expect(new Set(c.events.map((e) => e.time)).size).toBe(1);
  });
});
