// RecordSplitter: the bytes of a PT1H.json blob, range by range, give every record once, whatever the
// block layout; what does not parse is isolated, located by block and byte offset, and nothing else
// is lost with it.

import { describe, expect, it } from "vitest";
import { collect, RecordSplitter, splitDocument, type MalformedSpan } from "../../../forwarder/decode/record-splitter";

const HEAD = '{"records":[';
const TAIL = "]}";
const r = (n: number) => JSON.stringify({ n, time: `2026-04-02T10:0${n % 10}:00Z`, nested: { list: [{ a: '}{,"' }, [1, 2]] } });
const ns = (records: unknown[]) => records.map((x) => (x as { n: number }).n);

/** Splits a blob made of `blocks`, downloaded in ranges of at most `rangeBytes` (block-aligned when blocks are smaller). */
function split(blocks: string[], rangeBytes = Number.MAX_SAFE_INTEGER) {
  const buffers = blocks.map((b) => Buffer.from(b));
  const starts = [0];
  for (const b of buffers) starts.push(starts[starts.length - 1] + b.length);
  const blob = Buffer.concat(buffers);
  const splitter = new RecordSplitter(starts);
  const records: unknown[] = [];
  const malformed: MalformedSpan[] = [];
  for (let offset = 0; offset < blob.length; offset += rangeBytes) {
    const end = Math.min(blob.length, offset + rangeBytes);
    const out = collect(splitter.push(blob.subarray(offset, end), offset, end === blob.length));
    records.push(...out.records);
    malformed.push(...out.malformed);
  }
  return { records, malformed, splitter, starts };
}

describe("RecordSplitter", () => {
  it("reads a blob as Azure writes it: head, one record per block led by a comma, tail", () => {
    const { records, malformed, splitter, starts } = split([HEAD, r(1), `,${r(2)}`, `,${r(3)}`, TAIL]);
    expect(ns(records)).toEqual([1, 2, 3]);
    expect(malformed).toEqual([]);
    expect(splitter.betweenRecords).toBe(true);
    expect(splitter.recordsEnd).toBe(starts[4]);
  });

  it("reads a range from the middle of a blob, stripping its leading comma", () => {
    const splitter = new RecordSplitter([0, 12, 100, 200, 300]);
    const out = collect(splitter.push(Buffer.from(`,${r(4)},${r(5)}`), 100, false));
    expect(ns(out.records)).toEqual([4, 5]);
  });

  it("parses a record only when it is asked for, so a range's records never live all at once", () => {
    const starts = [0, 12, 12 + r(1).length, 13 + r(1).length + r(2).length];
    const splitter = new RecordSplitter([...starts, starts[3] + r(3).length + 1 + TAIL.length]);
    const items = splitter.push(Buffer.from(`${HEAD}${r(1)},${r(2)},${r(3)}${TAIL}`), 0, true);
    expect(items.next().value).toMatchObject({ kind: "record", record: { n: 1 } });
    expect(splitter.recordsEnd).toBe(starts[2]);
    expect(items.next().value).toMatchObject({ kind: "record", record: { n: 2 } });
    expect(splitter.recordsEnd).toBe(starts[3]);
  });

  it("reads several records in one block, and a blob with no records", () => {
    expect(ns(split([HEAD, `${r(1)},${r(2)}`, `,${r(3)},${r(4)}`, TAIL]).records)).toEqual([1, 2, 3, 4]);
    const empty = split([HEAD, TAIL]);
    expect(empty.records).toEqual([]);
    expect(empty.malformed).toEqual([]);
  });

  it("tolerates a byte-order mark, CRLF, pretty-printing and a one-block document", () => {
    expect(ns(split([`\uFEFF${HEAD}\r\n`, `${r(1)}\r\n`, `,${r(2)}\r\n`, ` ]\r\n}\r\n`]).records)).toEqual([1, 2]);
    const pretty = JSON.stringify({ records: [JSON.parse(r(1)), JSON.parse(r(2))] }, null, 2);
    expect(ns(splitDocument(Buffer.from(pretty)).records)).toEqual([1, 2]);
  });

  it("gets every record once when ranges and blocks cut records anywhere", () => {
    const doc = `${HEAD}${Array.from({ length: 40 }, (_, i) => r(i)).join(",")}${TAIL}`;
    for (const blockBytes of [7, 64, 333]) {
      const blocks = doc.match(new RegExp(`[\\s\\S]{1,${blockBytes}}`, "g"))!;
      for (const rangeBytes of [50, 500, 4096]) {
        const { records, malformed } = split(blocks, rangeBytes);
        expect(malformed, `blocks of ${blockBytes}, ranges of ${rangeBytes}`).toEqual([]);
        expect(ns(records)).toEqual(Array.from({ length: 40 }, (_, i) => i));
      }
    }
  });

  it("carries a record cut at the end of a range into the next range", () => {
    const splitter = new RecordSplitter([0, 12, 1000]);
    const body = `${HEAD}${r(1)},${r(2)}${TAIL}`;
    const cut = body.indexOf(r(2)) + 5;
    const first = collect(splitter.push(Buffer.from(body.slice(0, cut)), 0, false));
    expect(ns(first.records)).toEqual([1]);
    expect(splitter.betweenRecords).toBe(false);
    const second = collect(splitter.push(Buffer.from(body.slice(cut)), cut, true));
    expect(ns(second.records)).toEqual([2]);
    expect(splitter.betweenRecords).toBe(true);
  });

  it("skips only a block that is not JSON, with its block index, byte offset and text", () => {
    const blocks = [HEAD, r(1), ",this is not json", `,${r(2)}`, TAIL];
    const { records, malformed, starts } = split(blocks);
    expect(ns(records)).toEqual([1, 2]);
    expect(malformed).toHaveLength(1);
    expect(malformed[0]).toMatchObject({ block: 2, offset: starts[2] + 1 });
    expect(malformed[0].text).toContain("this is not json");
  });

  it("isolates a block cut off mid-record, keeping the records after it", () => {
    const blocks = [HEAD, r(1), ',{"n":5,"time":', `,${r(6)}`, `,${r(7)}`, TAIL];
    const { records, malformed, starts } = split(blocks);
    expect(ns(records)).toEqual([1, 6, 7]);
    expect(malformed.map((m) => [m.block, m.offset])).toEqual([[2, starts[2] + 1]]);
    expect(malformed[0].detail).toContain("cut off");
  });

  it("reports a record that is balanced but not JSON", () => {
    const { records, malformed } = split([HEAD, r(1), ",{oops}", TAIL]);
    expect(ns(records)).toEqual([1]);
    expect(malformed.map((m) => m.block)).toEqual([2]);
  });

  it("reports a first block that is not the head, and keeps the records after it", () => {
    const { records, malformed } = split(['{"rows":[', r(1), `,${r(2)}`, TAIL]);
    expect(malformed.map((m) => [m.block, m.offset])).toEqual([[0, 0]]);
    expect(malformed[0].detail).toContain('{"records":[');
    expect(ns(records)).toEqual([1, 2]);
  });

  it("reports a blob that does not end with the tail, and keeps its records", () => {
    const { records, malformed } = split([HEAD, r(1), `,${r(2)}`]);
    expect(ns(records)).toEqual([1, 2]);
    expect(malformed).toHaveLength(1);
    expect(malformed[0].detail).toContain("]}");
  });

  it("counts byte offsets in bytes, not characters, for multi-byte content", () => {
    const first = `,${JSON.stringify({ rule: "Règle_été_€" })}`;
    const { malformed, starts } = split([HEAD, "{}", first, ",{oops}", TAIL]);
    expect(malformed[0].offset).toBe(starts[3] + 1);
    expect(starts[3]).not.toBe(HEAD.length + 2 + first.length);
  });

  it("parses records whose keys are __proto__ or constructor without touching prototypes", () => {
    const { records } = split([HEAD, '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}', TAIL]);
    expect(records).toHaveLength(1);
    expect(Object.prototype.hasOwnProperty.call(records[0], "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("knows where the records end, so a tail-only last block can be skipped next time", () => {
    const { splitter, starts } = split([HEAD, r(1), TAIL]);
    expect(splitter.recordsEnd).toBeLessThanOrEqual(starts[2]);
    const shared = split([HEAD, `${r(1)}]}`]);
    expect(shared.splitter.recordsEnd).toBeGreaterThan(shared.starts[1]);
  });
});
