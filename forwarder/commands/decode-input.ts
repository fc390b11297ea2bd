// What `decode` is given, told apart before anything is decoded: a path that names no readable file
// is the operator's mistake (a usage error naming the path), and input that is not an Azure flow-log
// blob (an error page, another JSON document, records of another kind of log) is said to be so,
// instead of being reported as a flow-log blob full of malformed records.

import { readFile, stat } from "node:fs/promises";
import type { FlowLogKind } from "../contract";
import { isRecord } from "../decode/decode-output";
import type { SplitResult } from "../decode/record-splitter";
import { UsageError } from "../errors";
import { readStream } from "../source/read-stream";

/** The bytes of `file`, or of stdin for "-"; a path that names no readable file is a UsageError naming it. */
export async function readInput(file: string, usage: string): Promise<Buffer> {
  if (file === "-") return readStream(process.stdin);
  try {
    if ((await stat(file)).isDirectory()) throw new UsageError(`${file} is a directory; decode takes one PT1H.json file, or - for stdin.`, usage);
    return await readFile(file);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw new UsageError(`${file} does not exist.`, usage);
    throw new UsageError(`${file} cannot be read: ${(error as Error).message}.`, usage);
  }
}

/** The kind a record declares by its shape, if any. */
export function kindOfRecord(record: unknown): FlowLogKind | undefined {
  if (!isRecord(record)) return undefined;
  if (isRecord(record.properties) && record.properties.flows !== undefined) return "nsg";
  if (record.flowRecords !== undefined) return "vnet";
  return undefined;
}

function describeJson(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (value === null) return "null";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}

/**
 * Why `bytes` is not an Azure flow-log blob, or undefined when it may be one (possibly malformed: the
 * decoder then reports what is wrong, record by record). `split` is what the record splitter made of
 * it; `forcedKind` is --kind, which takes records of no recognisable shape as that kind.
 */
export function notFlowLogBlob(bytes: Buffer, split: SplitResult, forcedKind: FlowLogKind | undefined): string | undefined {
  if (split.records.length > 0) {
    if (forcedKind || split.records.some((r) => kindOfRecord(r) !== undefined)) return undefined;
    return `none of its ${split.records.length} record(s) is an NSG flow-log record (properties.flows) or a VNet one (flowRecords); pass --kind if it is one`;
  }
  // No record found: valid JSON of another shape is not a flow-log blob; anything else is malformed.
  // Only here is the whole input parsed at once: a real blob (possibly large) always yields records.
  const text = bytes.toString("utf8").replace(/^\uFEFF/, "");
  if (text.trim() === "") return "the input is empty";
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(document)) return `it is JSON, but ${describeJson(document)}, not an object with a "records" array`;
  if (!("records" in document)) return 'it is a JSON object without "records"';
  if (!Array.isArray(document.records)) return `its "records" is ${describeJson(document.records)}, not an array of flow-log records`;
  return undefined;
}
