// Splits the bytes of a PT1H.json blob into records, range by range as they are downloaded. Azure
// commits the head `{"records":[` first, the tail `]}` last and one record per block in between (each
// after the first led by a comma), so a range of whole blocks normally parses at once. Anything else
// (several records per block, records cut across ranges by other writers, a block that is not JSON)
// falls back to a byte scanner that finds each record's extent, carries an unfinished record into the
// next range, and isolates what does not parse. At a block boundary inside an unfinished record, a
// block that starts like a record (`,{`) is taken as a resync point, so one truncated block costs only
// its own record.

export interface MalformedSpan {
  /** Byte offset of the span in the blob. */
  readonly offset: number;
  /** Index of the committed block holding that offset. */
  readonly block: number;
  readonly detail: string;
  readonly text: string;
}

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

  /** Records in `bytes`, which start at blob offset `offset`; `atEnd` when they reach the blob's end. */
  push(bytes: Buffer, offset: number, atEnd: boolean): SplitResult {
    const data = this.carry ? Buffer.concat([this.carry, bytes]) : bytes;
    const base = this.carry ? this.carryOffset : offset;
    this.carry = undefined;
    const malformed: MalformedSpan[] = [];
    let start = 0;
    if (base === 0) {
      const head = HEAD.exec(data.toString("utf8", 0, Math.min(data.length, 256)));
      if (head) start = Buffer.byteLength(head[0]);
      else {
        start = Math.min(data.length, (this.blockStarts[1] ?? data.length) - base);
        malformed.push(this.span(data, base, 0, start, 'the first block does not start with {"records":['));
      }
    }
    let end = data.length;
    if (atEnd) {
      const tail = tailStart(data, start);
      if (tail === undefined) malformed.push(this.span(data, base, Math.max(start, data.length - 64), data.length, "the blob does not end with ]}"));
      else end = tail;
    }
    const fast = this.parseWhole(data, base, start, end, atEnd);
    if (fast) return { records: fast, malformed };
    return { records: this.scan(data, base, start, end, atEnd, malformed), malformed };
  }

  /** The common case: the range holds whole records only. */
  private parseWhole(data: Buffer, base: number, start: number, end: number, atEnd: boolean): unknown[] | undefined {
    let last = end - 1;
    while (last >= start && isSpace(data[last])) last--;
    if (last < start) return [];
    if (data[last] !== CLOSE_BRACE && !atEnd) return undefined;
    try {
      const text = data.toString("utf8", start, end).replace(/^[\s,]+/, "");
      const records = JSON.parse(`[${text}]`) as unknown[];
      this.recordsEnd = base + last + 1;
      return records;
    } catch {
      return undefined;
    }
  }

  private scan(data: Buffer, base: number, start: number, end: number, atEnd: boolean, malformed: MalformedSpan[]): unknown[] {
    const records: unknown[] = [];
    let boundaryIndex = this.blockAt(base + start);
    if (this.blockStarts[boundaryIndex] < base + start) boundaryIndex++;
    let boundary = this.blockStarts[boundaryIndex] ?? Number.POSITIVE_INFINITY;
    let depth = 0;
    let inString = false;
    let escaped = false;
    let recordStart = -1;
    let junkStart = -1;
    const endJunk = (at: number) => {
      if (junkStart >= 0 && data.subarray(junkStart, at).some((b) => !isSpace(b) && b !== COMMA)) {
        malformed.push(this.span(data, base, junkStart, at, "text between records is not JSON"));
      }
      junkStart = -1;
    };
    for (let i = start; i < end; i++) {
      if (base + i === boundary) {
        boundary = this.blockStarts[++boundaryIndex] ?? Number.POSITIVE_INFINITY;
        if (depth > 0 && startsLikeRecord(data, i, end)) {
          malformed.push(this.span(data, base, recordStart, i, "the record is cut off at the end of its block"));
          depth = 0;
          inString = false;
          escaped = false;
        } else if (depth === 0) endJunk(i);
      }
      const byte = data[i];
      if (depth === 0) {
        if (byte === OPEN_BRACE) {
          endJunk(i);
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
        try {
          records.push(JSON.parse(text));
          this.recordsEnd = base + i + 1;
        } catch (error) {
          malformed.push(this.span(data, base, recordStart, i + 1, `record is not JSON (${(error as Error).message})`));
        }
      }
    }
    endJunk(end);
    if (depth > 0) {
      if (atEnd) malformed.push(this.span(data, base, recordStart, end, "the last record is cut off"));
      else {
        this.carry = Buffer.from(data.subarray(recordStart));
        this.carryOffset = base + recordStart;
      }
    }
    return records;
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

  private span(data: Buffer, base: number, from: number, to: number, detail: string): MalformedSpan {
    return { offset: base + from, block: this.blockAt(base + from), detail, text: data.toString("utf8", from, to) };
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

/** Splits a whole PT1H.json document held in memory (the decode command, one-block blobs). */
export function splitDocument(bytes: Buffer): SplitResult {
  return new RecordSplitter([0, bytes.length]).push(bytes, 0, true);
}
