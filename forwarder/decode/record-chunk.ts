// Turns the bytes of consecutive committed blocks of a PT1H.json blob into records. Azure commits the
// head `{"records":[` first, the tail `]}` last and records in between, each block after the first
// record starting with a comma; so any run of whole blocks, stripped of head, tail and the leading
// comma, is a comma-separated list of complete records. A run that does not parse is split into its
// blocks so that one bad block costs only its own records.

export interface BlockRun {
  readonly bytes: Buffer;
  /** Index in the blob of the first block of the run. */
  readonly firstBlock: number;
  readonly blockSizes: readonly number[];
  /** The run includes the blob's last committed block (normally the tail). */
  readonly endsAtTail: boolean;
}

export interface MalformedBlock {
  readonly block: number;
  /** Byte offset of the block within the blob. */
  readonly offset: number;
  readonly detail: string;
  readonly text: string;
}

export interface ParsedRun {
  readonly records: unknown[];
  readonly malformedBlocks: MalformedBlock[];
  /** The last block held nothing but the tail, so no event comes from it. */
  readonly tailOnly: boolean;
}

const HEAD = /^\uFEFF?\s*\{\s*"records"\s*:\s*\[/;
const TAIL = /\]\s*\}\s*$/;
const LEADING = /^[\s,]+/;

class DocumentError extends Error {}

/** The records text of a run of blocks: head and tail removed where the run holds them, leading comma stripped. */
function recordsText(text: string, atHead: boolean, atTail: boolean): string {
  let body = text;
  if (atHead) {
    const head = HEAD.exec(body);
    if (!head) throw new DocumentError('the first block does not start with {"records":[');
    body = body.slice(head[0].length);
  }
  if (atTail) {
    const tail = TAIL.exec(body);
    if (!tail) throw new DocumentError("the last block does not end with ]}");
    body = body.slice(0, tail.index);
  }
  return body.replace(LEADING, "").trimEnd();
}

function parseRecords(text: string): unknown[] {
  return text.length === 0 ? [] : (JSON.parse(`[${text}]`) as unknown[]);
}

export function parseBlockRun(run: BlockRun, blobOffset: number): ParsedRun {
  const lastBlockStart = run.bytes.length - run.blockSizes[run.blockSizes.length - 1];
  const lastBlockText = () => run.bytes.subarray(lastBlockStart).toString("utf8");
  const tailOnly = run.endsAtTail && TAIL.test(lastBlockText()) && lastBlockText().replace(TAIL, "").replace(HEAD, "").trim() === "";
  try {
    const text = recordsText(run.bytes.toString("utf8"), run.firstBlock === 0, run.endsAtTail);
    return { records: parseRecords(text), malformedBlocks: [], tailOnly };
  } catch {
    // Fall through to block-by-block parsing to find the bad block(s).
  }
  const records: unknown[] = [];
  const malformedBlocks: MalformedBlock[] = [];
  let start = 0;
  run.blockSizes.forEach((size, i) => {
    const block = run.firstBlock + i;
    const text = run.bytes.subarray(start, start + size).toString("utf8");
    const isLast = run.endsAtTail && i === run.blockSizes.length - 1;
    try {
      records.push(...parseRecords(recordsText(text, block === 0, isLast)));
    } catch (error) {
      const detail = error instanceof DocumentError ? error.message : `block is not JSON records (${(error as Error).message})`;
      malformedBlocks.push({ block, offset: blobOffset + start, detail, text });
    }
    start += size;
  });
  return { records, malformedBlocks, tailOnly };
}
