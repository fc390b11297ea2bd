// NSG records (Version 2 and 1, mixed in one blob) become one "Azure Network Watcher" event per flow
// tuple, the tuple verbatim in flow.0; every malformed shape is reported and skipped, not thrown.

import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { MAX_EVENT_BYTES, type DecodeOutput, type MalformedReason } from "../../../forwarder/decode/decode-output";
import { decodeNsgRecord } from "../../../forwarder/decode/nsg-record";
import { decodeRecord } from "../../../forwarder/decode/record-decoder";
import { splitDocument } from "../../../forwarder/decode/record-splitter";

interface Collected {
  readonly events: Record<string, unknown>[];
  readonly raw: string[];
  readonly malformed: { reason: MalformedReason; detail: string; item: string }[];
  readonly out: DecodeOutput;
}

function collect(): Collected {
  const c: Collected = {
    events: [],
    raw: [],
    malformed: [],
    out: {
      event: (quoted) => {
        const json = JSON.parse(quoted) as string;
        c.raw.push(json);
        c.events.push(JSON.parse(json) as Record<string, unknown>);
      },
      malformed: (reason, detail, item) => c.malformed.push({ reason, detail, item }),
    },
  };
  return c;
}

const NSG_ID = "/SUBSCRIPTIONS/11111111-2222-3333-4444-555555555555/RESOURCEGROUPS/RG-EDGE/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG-EDGE";

function nsgRecord(version: unknown, tuples: unknown[], overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    time: "2026-04-02T08:15:44.1023388Z",
    systemId: "9a8b7c6d-5e4f-4321-8765-0fedcba98765",
    macAddress: "000D3A11AA22",
    category: "NetworkSecurityGroupFlowEvent",
    resourceId: NSG_ID,
    operationName: "NetworkSecurityGroupFlowEvents",
    properties: { Version: version, flows: [{ rule: "UserRule_AllowSsh", flows: [{ mac: "000D3A11AA22", flowTuples: tuples }] }] },
    ...overrides,
  };
}

const V2_BEGIN = "1775117700,203.0.113.9,10.1.0.4,50111,22,T,I,A,B,,,,";
const V2_END = "1775117760,203.0.113.9,10.1.0.4,50111,22,T,I,A,E,12,2210,10,4512";
const V1 = "1775117701,10.1.0.4,10.1.0.5,40000,1433,T,O,D";

describe("decodeNsgRecord", () => {
  it("emits one event per Version 2 tuple, in the Azure Network Watcher shape, the tuple verbatim", () => {
    const c = collect();
    decodeNsgRecord(nsgRecord(2, [V2_BEGIN, V2_END]), c.out);
    expect(c.malformed).toEqual([]);
    expect(c.events).toEqual([
      {
        time: "2026-04-02T08:15:44.1023388Z",
        resourceId: NSG_ID,
        macAddress: "000D3A11AA22",
        operationName: "NetworkSecurityGroupFlowEvents",
        rule: "UserRule_AllowSsh",
        "flow.0": V2_BEGIN,
        version: "2",
      },
      {
        time: "2026-04-02T08:15:44.1023388Z",
        resourceId: NSG_ID,
        macAddress: "000D3A11AA22",
        operationName: "NetworkSecurityGroupFlowEvents",
        rule: "UserRule_AllowSsh",
        "flow.0": V2_END,
        version: "2",
      },
    ]);
    expect(Object.keys(c.events[0])).toEqual(["time", "resourceId", "macAddress", "operationName", "rule", "flow.0", "version"]);
  });

  it('emits Version 1 tuples (8 fields) with version "1"', () => {
    const c = collect();
    decodeNsgRecord(nsgRecord(1, [V1]), c.out);
    expect(c.malformed).toEqual([]);
    expect(c.events).toHaveLength(1);
    expect(c.events[0]).toMatchObject({ "flow.0": V1, version: "1" });
  });

  it("emits every tuple of every rule and every MAC, not only the last one", () => {
    const c = collect();
    const record = nsgRecord(2, []);
    (record.properties as { flows: unknown[] }).flows = [
      {
        rule: "R1",
        flows: [
          { mac: "AA", flowTuples: [V2_BEGIN, V2_END] },
          { mac: "BB", flowTuples: [V2_BEGIN] },
        ],
      },
      { rule: "R2", flows: [{ mac: "AA", flowTuples: [V2_END] }] },
    ];
    decodeNsgRecord(record, c.out);
    expect(c.events.map((e) => `${e.rule}/${e.macAddress}/${e["flow.0"]}`)).toEqual([
      `R1/AA/${V2_BEGIN}`,
      `R1/AA/${V2_END}`,
      `R1/BB/${V2_BEGIN}`,
      `R2/AA/${V2_END}`,
    ]);
  });

  it("falls back to the record's macAddress when a flow has no mac", () => {
    const c = collect();
    const record = nsgRecord(2, []);
    (record.properties as { flows: unknown[] }).flows = [{ rule: "R", flows: [{ flowTuples: [V2_END] }] }];
    decodeNsgRecord(record, c.out);
    expect(c.events[0].macAddress).toBe("000D3A11AA22");
  });

  it("keeps both records when two records share the same time", () => {
    const c = collect();
    decodeNsgRecord(nsgRecord(2, [V2_BEGIN]), c.out);
    decodeNsgRecord(nsgRecord(2, [V2_END]), c.out);
    expect(c.events.map((e) => e["flow.0"])).toEqual([V2_BEGIN, V2_END]);
    expect(new Set(c.events.map((e) => e.time)).size).toBe(1);
  });

  it("reports a tuple with the wrong field count for its version and keeps the others", () => {
    const c = collect();
    decodeNsgRecord(nsgRecord(1, [V1, V2_END]), c.out);
    decodeNsgRecord(nsgRecord(2, [V1, V2_END, "1775117700,1.2.3.4"]), c.out);
    expect(c.events.map((e) => `${e.version}:${e["flow.0"]}`)).toEqual([`1:${V1}`, `2:${V2_END}`]);
    expect(c.malformed.map((m) => m.reason)).toEqual(["invalid_tuple", "invalid_tuple", "invalid_tuple"]);
    expect(c.malformed[0].detail).toContain("13 fields, expected 8");
    expect(c.malformed[0].item).toBe(JSON.stringify(V2_END));
  });

  it("reports a non-string tuple as invalid_tuple", () => {
    const c = collect();
    decodeNsgRecord(nsgRecord(2, [42, null, V2_END]), c.out);
    expect(c.events).toHaveLength(1);
    expect(c.malformed.map((m) => m.reason)).toEqual(["invalid_tuple", "invalid_tuple"]);
  });

  it.each([[3], [0], ["2"], [null], [undefined]])("reports properties.Version %j as unknown_version and emits nothing", (version) => {
    const c = collect();
    decodeNsgRecord(nsgRecord(version, [V2_END]), c.out);
    expect(c.events).toEqual([]);
    expect(c.malformed).toHaveLength(1);
    expect(c.malformed[0].reason).toBe("unknown_version");
  });

  it.each([
    ["time", { time: undefined }],
    ["time (not a string)", { time: 1775117700 }],
    ["resourceId", { resourceId: undefined }],
    ["properties", { properties: undefined }],
    ["properties (an array)", { properties: [] }],
    ["properties.flows", { properties: { Version: 2 } }],
  ])("reports a record missing %s as invalid_record", (_field, overrides) => {
    const c = collect();
    decodeNsgRecord(nsgRecord(2, [V2_END], overrides), c.out);
    expect(c.events).toEqual([]);
    expect(c.malformed.map((m) => m.reason)).toEqual(["invalid_record"]);
  });

  it("reports a rule entry without rule or flows and still decodes the next rule", () => {
    const c = collect();
    const record = nsgRecord(2, []);
    (record.properties as { flows: unknown[] }).flows = [
      { flows: [{ mac: "AA", flowTuples: [V2_BEGIN] }] },
      "not an object",
      {
        rule: "R",
        flows: [
          { mac: "AA", flowTuples: "not an array" },
          { mac: "AA", flowTuples: [V2_END] },
        ],
      },
    ];
    decodeNsgRecord(record, c.out);
    expect(c.events.map((e) => e["flow.0"])).toEqual([V2_END]);
    expect(c.malformed.map((m) => m.reason)).toEqual(["invalid_record", "invalid_record", "invalid_record"]);
  });

  it("reports a VNet record in an NSG container as kind_mismatch", () => {
    const c = collect();
    decodeNsgRecord({ time: "t", flowLogVersion: 4, category: "FlowLogFlowEvent", flowRecords: { flows: [] } }, c.out);
    expect(c.malformed.map((m) => m.reason)).toEqual(["kind_mismatch"]);
    expect(c.events).toEqual([]);
  });

  it("reports an event over 250,000 bytes as event_too_large and emits the tuples that fit", () => {
    const c = collect();
    const record = nsgRecord(2, []);
    (record.properties as { flows: unknown[] }).flows = [
      { rule: "R".repeat(MAX_EVENT_BYTES), flows: [{ mac: "AA", flowTuples: [V2_BEGIN] }] },
      { rule: "small", flows: [{ mac: "AA", flowTuples: [V2_END] }] },
    ];
    decodeNsgRecord(record, c.out);
    expect(c.events.map((e) => e.rule)).toEqual(["small"]);
    expect(c.malformed.map((m) => m.reason)).toEqual(["event_too_large"]);
  });

  it("passes a tuple verbatim even when it holds characters JSON must escape", () => {
    const odd = `1773064870,10.0.0.1,"10.0.0.2"\\x,51544,443,T,I,A,E,1,2,3,\u00e9\n`;
    const c = collect();
    decodeNsgRecord(nsgRecord(2, [odd, V2_END]), c.out);
    expect(c.events.map((e) => e["flow.0"])).toEqual([odd, V2_END]);
  });

  it("counts event size in UTF-8 bytes: 250,000 bytes pass, 250,001 do not", () => {
    const probe = collect();
    decodeNsgRecord(nsgRecord(2, [V2_END], { resourceId: "" }), probe.out);
    const room = MAX_EVENT_BYTES - Buffer.byteLength(probe.raw[0]);
    // Two-byte characters: a count of UTF-16 units would let the larger event through.
    const filler = (bytes: number) => "é".repeat(Math.floor(bytes / 2)) + "x".repeat(bytes % 2);
    const c = collect();
    decodeNsgRecord(nsgRecord(2, [V2_END], { resourceId: filler(room) }), c.out);
    decodeNsgRecord(nsgRecord(2, [V2_END], { resourceId: filler(room + 1) }), c.out);
    expect(c.raw.map((e) => Buffer.byteLength(e))).toEqual([MAX_EVENT_BYTES]);
    expect(c.malformed.map((m) => m.reason)).toEqual(["event_too_large"]);
  });

  it("does not let __proto__ or constructor keys pollute prototypes, and decodes the record", () => {
    const c = collect();
    const text =
      `{"__proto__":{"polluted":"yes","Version":2},"constructor":{"prototype":{"polluted":"yes"}},` +
      `"time":"2026-04-02T08:15:44Z","resourceId":"${NSG_ID}","macAddress":"AA",` +
      `"properties":{"__proto__":{"flows":[]},"Version":2,"flows":[{"rule":"R","constructor":"x","flows":[{"mac":"AA","__proto__":{"flowTuples":["x"]},"flowTuples":["${V2_END}"]}]}]}}`;
    decodeRecord("nsg", JSON.parse(text), c.out);
    expect(c.malformed).toEqual([]);
    expect(c.events.map((e) => e["flow.0"])).toEqual([V2_END]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty("polluted");
    expect(Object.prototype).not.toHaveProperty("Version");
  });

  it("does not take properties from the prototype chain when a record hides them under __proto__", () => {
    const c = collect();
    const text = `{"__proto__":{"time":"t","resourceId":"r","properties":{"Version":2,"flows":[]}},"macAddress":"AA"}`;
    decodeRecord("nsg", JSON.parse(text), c.out);
    expect(c.events).toEqual([]);
    expect(c.malformed.map((m) => m.reason)).toEqual(["invalid_record"]);
  });
});

describe("an NSG PT1H.json blob (fixture)", () => {
  const bytes = readFileSync(path.resolve(__dirname, "../../fixtures/nsg-PT1H.json"));
  const parsed = splitDocument(bytes);

  it("decodes Version 2 and Version 1 records mixed in one blob, every tuple once", () => {
    const c = collect();
    for (const record of parsed.records) decodeRecord("nsg", record, c.out);
    expect(parsed.malformed).toEqual([]);
    expect(c.malformed).toEqual([]);
    expect(c.events.map((e) => `${e.version} ${e.rule} ${e["flow.0"]}`)).toEqual([
      "2 UserRule_AllowHttpsFromFrontDoor 1773064870,147.243.4.19,10.40.2.8,51544,443,T,I,A,B,,,,",
      "2 UserRule_AllowHttpsFromFrontDoor 1773064903,147.243.4.19,10.40.2.8,51544,443,T,I,A,C,14,2890,12,31022",
      "2 UserRule_AllowHttpsFromFrontDoor 1773064925,147.243.7.201,10.40.2.8,60112,443,T,I,A,E,6,1042,5,7310",
      "2 DefaultRule_DenyAllInBound 1773064911,185.220.101.33,10.40.2.8,40321,22,T,I,D,B,,,,",
      "1 DefaultRule_AllowVnetOutBound 1773064880,10.40.2.8,10.40.9.17,38810,5432,T,O,A",
      "1 DefaultRule_AllowVnetOutBound 1773064881,10.40.2.8,168.63.129.16,53122,53,U,O,A",
      "2 DefaultRule_AllowInternetOutBound 1773064990,10.40.2.8,20.60.128.4,49822,443,T,O,A,E,31,4120,29,188400",
    ]);
  });

  it("keeps the records that share a time apart", () => {
    const c = collect();
    for (const record of parsed.records) decodeRecord("nsg", record, c.out);
    const shared = c.events.filter((e) => e.time === "2026-03-09T14:02:17.3310542Z");
    expect(shared).toHaveLength(6);
    expect(new Set(shared.map((e) => e.version))).toEqual(new Set(["1", "2"]));
  });
});
