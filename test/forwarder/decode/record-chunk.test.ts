// parseBlockRun: a run of whole committed blocks, stripped of head, tail and leading comma, gives the
// records it holds; a block that does not parse costs only its own records and is located by index
// and byte offset.

import { describe, expect, it } from "vitest";
import { parseBlockRun, type BlockRun } from "../../../forwarder/decode/record-chunk";

const HEAD = '{"records":[';
const TAIL = "]}";

/** A run from block texts, as the reader would download it. */
function run(blocks: string[], firstBlock: number, endsAtTail: boolean): BlockRun {
  const buffers = blocks.map((b) => Buffer.from(b));
  return { bytes: Buffer.concat(buffers), firstBlock, blockSizes: buffers.map((b) => b.length), endsAtTail };
}

const r = (n: number) => JSON.stringify({ n, time: `2026-04-02T10:0${n}:00Z` });

describe("parseBlockRun", () => {
  it("reads a whole blob: head, one record per block each after the first led by a comma, tail", () => {
    const parsed = parseBlockRun(run([HEAD, r(1), `,${r(2)}`, `,${r(3)}`, TAIL], 0, true), 0);
    expect(parsed.records).toEqual([1, 2, 3].map((n) => JSON.parse(r(n))));
    expect(parsed.malformedBlocks).toEqual([]);
    expect(parsed.tailOnly).toBe(true);
  });

  it("reads a run from the middle of a blob, stripping its leading comma", () => {
    const parsed = parseBlockRun(run([`,${r(4)}`, `,${r(5)}`], 3, false), 1000);
    expect(parsed.records.map((x) => (x as { n: number }).n)).toEqual([4, 5]);
    expect(parsed.tailOnly).toBe(false);
  });

  it("reads several records in one block and a record-less run (head and tail only)", () => {
    expect(parseBlockRun(run([HEAD, `${r(1)},${r(2)}`, `,${r(3)},${r(4)}`, TAIL], 0, true), 0).records).toHaveLength(4);
    const empty = parseBlockRun(run([HEAD, TAIL], 0, true), 0);
    expect(empty.records).toEqual([]);
    expect(empty.malformedBlocks).toEqual([]);
    expect(empty.tailOnly).toBe(true);
  });

  it("tolerates a byte-order mark, CRLF and whitespace around Azure's separators", () => {
    const parsed = parseBlockRun(run([`\uFEFF${HEAD}\r\n`, `${r(1)}\r\n`, `,${r(2)}\r\n`, ` ]\r\n}\r\n`], 0, true), 0);
    expect(parsed.records).toHaveLength(2);
    expect(parsed.malformedBlocks).toEqual([]);
    expect(parsed.tailOnly).toBe(true);
  });

  it("reports the last block as not tail-only when records share it with the tail", () => {
    const parsed = parseBlockRun(run([`,${r(6)}`, `,${r(7)}]}`], 5, true), 0);
    expect(parsed.records).toHaveLength(2);
    expect(parsed.tailOnly).toBe(false);
  });

  it("skips only a block that is not JSON, with its block index, byte offset and text", () => {
    const blocks = [`,${r(4)}`, ',{"n":5,"time":', `,${r(6)}`, TAIL];
    const parsed = parseBlockRun(run(blocks, 3, true), 500);
    expect(parsed.records.map((x) => (x as { n: number }).n)).toEqual([4, 6]);
    expect(parsed.malformedBlocks).toHaveLength(1);
    const bad = parsed.malformedBlocks[0];
    expect(bad.block).toBe(4);
    expect(bad.offset).toBe(500 + Buffer.byteLength(blocks[0]));
    expect(bad.text).toBe(blocks[1]);
    expect(bad.detail).toContain("not JSON");
    expect(parsed.tailOnly).toBe(true);
  });

  it("reports a first block that is not the head, and keeps the records after it", () => {
    const parsed = parseBlockRun(run(['{"rows":[', r(1), `,${r(2)}`, TAIL], 0, true), 0);
    expect(parsed.malformedBlocks.map((b) => [b.block, b.offset])).toEqual([[0, 0]]);
    expect(parsed.malformedBlocks[0].detail).toContain('{"records":[');
    expect(parsed.records).toHaveLength(2);
  });

  it("reports a last block that is not the tail", () => {
    const parsed = parseBlockRun(run([HEAD, r(1), `,${r(2)}`], 0, true), 0);
    expect(parsed.malformedBlocks.map((b) => b.block)).toEqual([2]);
    expect(parsed.malformedBlocks[0].detail).toContain("]}");
    expect(parsed.records).toEqual([JSON.parse(r(1))]);
  });

  it("counts byte offsets in bytes, not characters, for multi-byte content", () => {
    const first = `,${JSON.stringify({ rule: "Règle_été_€" })}`;
    const parsed = parseBlockRun(run([first, ",{oops}"], 2, false), 100);
    expect(parsed.malformedBlocks[0].offset).toBe(100 + Buffer.byteLength(first));
    expect(parsed.malformedBlocks[0].offset).not.toBe(100 + first.length);
  });

  it("parses records whose keys are __proto__ or constructor without touching prototypes", () => {
    const parsed = parseBlockRun(run([HEAD, '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}', TAIL], 0, true), 0);
    expect(parsed.records).toHaveLength(1);
    expect(Object.prototype.hasOwnProperty.call(parsed.records[0], "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
