// Decodes one parsed record of a known kind; the kind comes from the container and the record must
// agree with it.

import { isRecord, type DecodeOutput } from "./decode-output";
import type { FlowLogKind } from "../contract";
import { decodeNsgRecord } from "./nsg-record";
import { decodeVnetRecord } from "./vnet-record";

export function decodeRecord(kind: FlowLogKind, record: unknown, out: DecodeOutput): void {
  if (!isRecord(record)) {
    out.malformed("invalid_record", "record is not a JSON object", JSON.stringify(record) ?? "undefined");
    return;
  }
  if (kind === "nsg") decodeNsgRecord(record, out);
  else decodeVnetRecord(record, out);
}
