// Splits the bytes of a PT1H.json blob into records, range by range as they are downloaded. Azure
// commits the head `{"records":[` first, the tail `]}` last and one record per block in between (each
// after the first led by a comma), so each block normally parses at once. Anything else (several
// records per block, records cut across ranges by other writers, a block that is not JSON) falls back
// to a byte scanner that finds each record's extent, carries an unfinished record into the next range,
// and isolates what does not parse. At a block boundary inside an unfinished record, a block that
// starts like a record (`,{`) is taken as a resync point, so one truncated block costs only its own
// record.
//
// Records are parsed one block at a time, as the caller asks for them: a whole range parsed at once
// stayed alive while its events were sent, outlived young-generation collections and was copied into
// the old generation, which (without a heap cap) V8 lets grow for tens of megabytes before collecting.

export interface MalformedSpan {
  /** Byte offset of the span in the blob. */
  readonly offset: number;
  /** Index of the committed block holding that offset. */
  readonly block: number;
  readonly detail: string;
  readonly text: string;
}

export type SplitItem = { readonly kind: "record"; readonly record: unknown } | { readonly kind: "malformed"; readonly span: MalformedSpan };

export interface SplitResult {
  readonly records: unknown[];
  readonly malformed: MalformedSpan[];
}

const HEAD = /^\uFEFF?\s*\{\s*"records"\s*:\s*\[/;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

export class RecordSplitter {
  private carry?: Buffer;
  private carryOffset = 0;
  /** Blob offset just past the last complete record seen. */
  recordsEnd = 0;

  /** `blockStarts`: the offset of every committed block in the blob, then the blob's size. */
  constructor(private readonly blockStarts: readonly number[]) {}

  /** True when no record is unfinished: what follows starts between records. */
  get betweenRecords(): boolean {
    return this.carry === undefined;
  }

  /**
   * The records and malformed spans in `bytes`, which start at blob offset `offset`; `atEnd` when they
   * reach the blob's end. Iterate to the end before the next push: an unfinished record is carried
   * over only then.
   */
  *push(bytes: Buffer, offset: number, atEnd: boolean): Generator<SplitItem, void, undefined> {
    const data = this.carry ? Buffer.concat([this.carry, bytes]) : bytes;
    const base = this.carry ? this.carryOffset : offset;
    this.carry = undefined;
    let start = 0;
    if (base === 0) {
      const head = HEAD.exec(data.toString("utf8", 0, Math.min(data.length, 256)));
      if (head) start = Buffer.byteLength(head[0]);
      else {
        start = Math.min(data.length, (this.blockStarts[1] ?? data.length) - base);
        yield this.malformed(data, base, 0, start, 'the first block does not start with {"records":[');
      }
    }
    let end = data.length;
    if (atEnd) {
      const tail = tailStart(data, start);
      if (tail === undefined) yield this.malformed(data, base, Math.max(start, data.length - 64), data.length, "the blob does not end with ]}");
      else end = tail;
    }
    let block = this.blockAt(base + start);
    for (let from = start; from < end; block++) {
      const to = Math.min(end, (this.blockStarts[block + 1] ?? Number.POSITIVE_INFINITY) - base);
      const records = this.parseBlock(data, base, from, to, atEnd && to === end);
      if (!records) {
        yield* this.scan(data, base, from, end, atEnd);
        return;
      }
      for (const record of records) yield { kind: "record", record };
      from = to;
    }
  }

  /** The common case: `[from, to)` (one block, or what of it is in the range) holds whole records only. */
  private parseBlock(data: Buffer, base: number, from: number, to: number, atEnd: boolean): unknown[] | undefined {
    let last = to - 1;
    while (last >= from && isSpace(data[last])) last--;
    if (last < from) return [];
    if (data[last] !== CLOSE_BRACE && !atEnd) return undefined;
    try {
      const text = data.toString("utf8", from, to).replace(/^[\s,]+/, "");
      if (text === "") return [];
      const records = JSON.parse(`[${text}]`) as unknown[];
      this.recordsEnd = base + last + 1;
      return records;
    } catch {
      return undefined;
    }
  }

  private *scan(data: Buffer, base: number, start: number, end: number, atEnd: boolean): Generator<SplitItem, void, undefined> {
    let boundaryIndex = this.blockAt(base + start);
    if (this.blockStarts[boundaryIndex] < base + start) boundaryIndex++;
    let boundary = this.blockStarts[boundaryIndex] ?? Number.POSITIVE_INFINITY;
    let depth = 0;
    let inString = false;
    let escaped = false;
    let recordStart = -1;
    let junkStart = -1;
    const endJunk = (at: number): SplitItem | undefined => {
      const junk = junkStart >= 0 && data.subarray(junkStart, at).some((b) => !isSpace(b) && b !== COMMA);
      const item = junk ? this.malformed(data, base, junkStart, at, "text between records is not JSON") : undefined;
      junkStart = -1;
      return item;
    };
    for (let i = start; i < end; i++) {
      if (base + i === boundary) {
        boundary = this.blockStarts[++boundaryIndex] ?? Number.POSITIVE_INFINITY;
        if (depth > 0 && startsLikeRecord(data, i, end)) {
          yield this.malformed(data, base, recordStart, i, "the record is cut off at the end of its block");
          depth = 0;
          inString = false;
          escaped = false;
        } else if (depth === 0) {
          const junk = endJunk(i);
          if (junk) yield junk;
        }
      }
      const byte = data[i];
      if (depth === 0) {
        if (byte === OPEN_BRACE) {
          const junk = endJunk(i);
          if (junk) yield junk;
          recordStart = i;
          depth = 1;
        } else if (junkStart < 0 && !isSpace(byte) && byte !== COMMA) junkStart = i;
        continue;
      }
      if (inString) {
        if (escaped) escaped = false;
        else if (byte === BACKSLASH) escaped = true;
        else if (byte === QUOTE) inString = false;
      } else if (byte === QUOTE) inString = true;
      else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) depth++;
      else if ((byte === CLOSE_BRACE || byte === CLOSE_BRACKET) && --depth === 0) {
        const text = data.toString("utf8", recordStart, i + 1);
        let record: unknown;
        try {
          record = JSON.parse(text);
        } catch (error) {
          yield this.malformed(data, base, recordStart, i + 1, `record is not JSON (${(error as Error).message})`);
          continue;
        }
        this.recordsEnd = base + i + 1;
        yield { kind: "record", record };
      }
    }
    const junk = endJunk(end);
    if (junk) yield junk;
    if (depth > 0) {
      if (atEnd) yield this.malformed(data, base, recordStart, end, "the last record is cut off");
      else {
        this.carry = Buffer.from(data.subarray(recordStart));
        this.carryOffset = base + recordStart;
      }
    }
  }

  private blockAt(offset: number): number {
    let lo = 0;
    let hi = this.blockStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.blockStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private malformed(data: Buffer, base: number, from: number, to: number, detail: string): SplitItem {
    return { kind: "malformed", span: { offset: base + from, block: this.blockAt(base + from), detail, text: data.toString("utf8", from, to) } };
  }
}

/** Index of the `]` of the closing `]}`, or undefined when the data does not end with it. */
function tailStart(data: Buffer, from: number): number | undefined {
  let i = data.length - 1;
  while (i >= from && isSpace(data[i])) i--;
  if (i < from || data[i] !== CLOSE_BRACE) return undefined;
  i--;
  while (i >= from && isSpace(data[i])) i--;
  return i >= from && data[i] === CLOSE_BRACKET ? i : undefined;
}

/** At a block boundary: does the block begin like one of Azure's record blocks (`,{`)? */
function startsLikeRecord(data: Buffer, at: number, end: number): boolean {
  let i = at;
  while (i < end && isSpace(data[i])) i++;
  if (i >= end || data[i] !== COMMA) return false;
  i++;
  while (i < end && isSpace(data[i])) i++;
  return i < end && data[i] === OPEN_BRACE;
}

/** What `items` holds, records and malformed spans apart. */
export function collect(items: Iterable<SplitItem>): SplitResult {
  const result: SplitResult = { records: [], malformed: [] };
  for (const item of items) {
    if (item.kind === "record") result.records.push(item.record);
    else result.malformed.push(item.span);
  }
  return result;
}

/** Splits a whole PT1H.json document held in memory (the decode command, one-block blobs). */
export function splitDocument(bytes: Buffer): SplitResult {
  return collect(new RecordSplitter([0, bytes.length]).push(bytes, 0, true));
}
