// Bad input: a block that is not JSON in the middle of a blob, a record of an unknown version, a
// tuple with the wrong field count, a tuple whose event would exceed Sekoia's 250 KB, `__proto__` and
// `constructor` keys in records, and a 100 MB blob. Good records around the bad ones are delivered;
// each bad one is counted in flowlog_malformed_total, logged once with its blob and block position
// and kept as a dead letter under v1/dead-letter/; the 100 MB blob is streamed in bounded memory.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AzureFlowLogBlob, nsgBlobName, nsgResourceId, vnetBlobName } from "../helpers/flow-logs";
import { waitFor } from "../helpers/wait-for";
import { NSG, peakRss, report, Rig, secondsSince, VNET } from "./fault-harness";

const SEED = 4404;
const MAX_RSS_BYTES = 160 * 1024 * 1024;
const MALFORMED_MESSAGE = "Malformed input skipped and kept as a dead letter.";

let rig: Rig;
const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
const nsgId = nsgResourceId("00000000-0000-0000-0000-00000000ba0d", "rg-bad", "nsg-bad");
const flowLogId =
  "/SUBSCRIPTIONS/00000000-0000-0000-0000-00000000BA0D/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NW/FLOWLOGS/VNET-BAD";
const vnetTarget = "/subscriptions/00000000-0000-0000-0000-00000000ba0d/resourceGroups/rg-bad/providers/Microsoft.Network/virtualNetworks/vnet-bad";

beforeAll(async () => {
  rig = await Rig.start({ name: "bad-input", seed: SEED });
});

afterAll(async () => {
  await rig?.stop();
});

function good(kind: "nsg" | "vnet", mac: string): Record<string, unknown> {
  const made =
    kind === "nsg" ? rig.generator.nsgRecord(nsgId, { time: new Date(), mac }) : rig.generator.vnetRecord(vnetTarget, flowLogId, { time: new Date(), mac });
  for (const t of made.tuples) rig.written.add(t.tuple);
  return made.record;
}

describe("bad input", () => {
  it("delivers the good records around bad ones, and counts, logs once and dead-letters each bad one", async () => {
    const nsgBlob = new AzureFlowLogBlob(rig.container(NSG), nsgBlobName(nsgId, hour, "000D3ABAD001"));
    const vnetBlob = new AzureFlowLogBlob(rig.container(VNET), vnetBlobName(flowLogId, hour, "000D3ABAD002"));
    await nsgBlob.append([good("nsg", "000D3ABAD001"), good("nsg", "000D3ABAD001")]);
    await vnetBlob.append([good("vnet", "000D3ABAD002")]);
    const service = rig.spawn();
    await rig.allDelivered("the good records before the bad ones", 60_000);

    // A middle block that is not JSON, then an unknown version, in one append (one read run).
    await nsgBlob.appendRawBlock(',{"time": "2026-11-29T07:00:00Z", "resourceId": not json at all');
    const unknownRecord = good("nsg", "000D3ABAD001") as { properties: Record<string, unknown> };
    const unknownVersion = { ...unknownRecord, properties: { ...unknownRecord.properties, Version: 3 } };
    // A tuple with 12 fields among good ones: only it is dropped.
    const wrongCount = good("nsg", "000D3ABAD001") as { properties: { flows: { flows: { flowTuples: string[] }[] }[] } };
    const short = wrongCount.properties.flows[0].flows[0].flowTuples[0];
    rig.written.delete(short);
    wrongCount.properties.flows[0].flows[0].flowTuples[0] = short.split(",").slice(0, 12).join(",");
    // Keys that pollute prototypes when merged carelessly: the record is still good.
    const pollutingKeys = JSON.parse(
      JSON.stringify(good("nsg", "000D3ABAD001")).replace(/^\{/, '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},'),
    ) as Record<string, unknown>;
    // A tuple whose event would be over 250 KB.
    const huge = good("vnet", "000D3ABAD002") as { flowRecords: { flows: { flowGroups: { flowTuples: string[] }[] }[] } };
    const big = huge.flowRecords.flows[0].flowGroups[0].flowTuples[0];
    rig.written.delete(big);
    const fields = big.split(",");
    fields[8] = `NX_${"X".repeat(260_000)}`;
    huge.flowRecords.flows[0].flowGroups[0].flowTuples[0] = fields.join(",");
    const vnetUnknown = { ...good("vnet", "000D3ABAD002"), flowLogVersion: 2 };
    // Records still arrive after the bad block, one per block as Azure writes them.
    await nsgBlob.append([unknownVersion, wrongCount, pollutingKeys, good("nsg", "000D3ABAD001")]);
    await vnetBlob.append([huge, vnetUnknown, good("vnet", "000D3ABAD002")]);
    // Drop the written entries of the records that are bad as a whole.
    for (const record of [unknownVersion, vnetUnknown]) for (const t of tuplesOf(record)) rig.written.delete(t);
    const started = Date.now();
    await rig.allDelivered("every good tuple delivered", 60_000);
    await waitFor("five malformed items counted", async () => (await rig.metric("flowlog_malformed_total")) >= 5, 60_000, 250);
    const deliveredIn = secondsSince(started);
    // Several more polls: a bad block is logged once, not on every poll.
    const polls = () => service.logs.filter((l) => l.msg === "Poll finished.").length;
    const pollsNow = polls();
    await waitFor("three more polls", () => polls() >= pollsNow + 3, 60_000);

    const metrics = (await rig.get("/metrics")).body;
    const malformed = Object.fromEntries(
      [...metrics.matchAll(/^flowlog_malformed_total\{kind="(\w+)",reason="(\w+)"\} (\d+)$/gm)].map((m) => [`${m[1]}:${m[2]}`, Number(m[3])]),
    );
    const logged = service.logs.filter((l) => l.msg === MALFORMED_MESSAGE);
    const letters = await rig.deadLetters();
    const kept = letters.map((l) => l.text).join("\n");
    const { tuples, lost, duplicated } = rig.account();
    report({
      fault: "bad input (bad block, unknown versions, 12-field tuple, 260 KB event, __proto__ keys)",
      runs: 1,
      tuples,
      lost,
      duplicated,
      recoverySeconds: deliveredIn,
      malformed,
      deadLetters: letters.length,
      logLines: logged.length,
    });

    expect(lost).toBe(0);
    expect(duplicated).toBe(0);
    expect(malformed).toEqual({
      "nsg:invalid_json": 1,
      "nsg:unknown_version": 1,
      "nsg:invalid_tuple": 1,
      "vnet:event_too_large": 1,
      "vnet:unknown_version": 1,
    });
    // Logged once per place, with blob and block position; nothing logged twice.
    expect(logged.map((l) => l.count).reduce((a, b) => Number(a) + Number(b), 0)).toBe(5);
    for (const line of logged) {
      expect(line.blob).toEqual(expect.stringContaining("PT1H.json"));
      expect(line.block).toEqual(expect.any(Number));
      expect(line.offset).toEqual(expect.any(Number));
    }
    // Every bad input kept whole, raw, in the checkpoint container.
    expect(letters.every((l) => l.name.startsWith("v1/dead-letter/"))).toBe(true);
    expect(kept).toContain("not json at all");
    expect(kept).toContain('\\"Version\\":3');
    expect(kept).toContain(short.split(",").slice(0, 12).join(","));
    expect(kept).toContain("X".repeat(1000));
    expect(kept).toContain('\\"flowLogVersion\\":2');
    // No event carries a polluting key.
    expect(rig.intake.events(rig.nsgKey).some((e) => e.includes("polluted"))).toBe(false);
    service.child.kill("SIGTERM");
    expect((await service.waitForExit(20_000)).code).toBe(0);
  });

  it("streams a 100 MB blob with a peak RSS under 160 MB", async () => {
    await rig.stopProcesses();
    const blob = new AzureFlowLogBlob(rig.container(NSG), nsgBlobName(nsgId, hour, "000D3ABAD100"));
    // Records of 50 tuples padded with an ignored field to ~40 KB: 100 MB holds 125,000 tuples.
    const padding = "p".repeat(36_000);
    let bytes = 0;
    while (bytes < 100 * 1024 * 1024) {
      const records = Array.from({ length: 50 }, () => {
        const made = rig.generator.nsgRecord(nsgId, { time: new Date(), mac: "000D3ABAD100", rules: 2, tuplesPerRule: 25 });
        for (const t of made.tuples) rig.written.add(t.tuple);
        return { ...made.record, padding };
      });
      await blob.append(records, 25);
      bytes += records.reduce((sum, r) => sum + JSON.stringify(r).length + 1, 0);
    }
    // As plain `node forwarder.js`, without the image's heap cap: the ceiling is the forwarder's own.
    const service = rig.spawn({});
    const started = Date.now();
    await rig.allDelivered("every tuple of the 100 MB blob delivered", 120_000);
    const seconds = secondsSince(started);
    const rss = peakRss(service.child.pid!);
    service.child.kill("SIGTERM");
    expect((await service.waitForExit(20_000)).code).toBe(0);

    const { tuples, lost, duplicated } = rig.account();
    report({
      fault: "100 MB blob",
      runs: 1,
      tuples,
      lost,
      duplicated,
      recoverySeconds: seconds,
      blobBytes: bytes,
      peakRssMB: Math.round(rss / 1024 / 1024),
    });
    expect(lost).toBe(0);
    expect(rss).toBeLessThanOrEqual(MAX_RSS_BYTES);
  });

  it("keeps intake keys and SAS signatures out of every output and dead letter", async () => {
    expect(await rig.leakedSecrets()).toEqual([]);
  });
});

function tuplesOf(record: Record<string, unknown>): string[] {
  return (
    JSON.stringify(record)
      .match(/"(\d{10,13},[^"]*)"/g)
      ?.map((q) => JSON.parse(q) as string) ?? []
  );
}
