// `decode <PT1H.json | ->`: the events a blob would become, one per line on stdout, and what was
// malformed on stderr; the way to check what Sekoia will receive from a blob before shipping it. The
// splitting and decoding are the forwarder's own (record-splitter, record-decoder); what is not a
// readable file, or not a flow-log blob at all, is told apart first (decode-input).

import type { DecodeOutput, MalformedReason } from "../decode/decode-output";
import type { FlowLogKind } from "../contract";
import { decodeRecord } from "../decode/record-decoder";
import { splitDocument } from "../decode/record-splitter";
import { UsageError } from "../errors";
import { parseCommandArgs, type Command } from "./command";
import { kindOfRecord, notFlowLogBlob, readInput } from "./decode-input";
import { LineWriter } from "./line-writer";

const USAGE = `Usage: node forwarder.js decode [--kind nsg|vnet] <PT1H.json | ->

Prints the Sekoia events a flow-log blob would produce, one JSON object per line, on stdout, and a
summary (records, tuples, malformed input with reasons) on stderr. "-" reads the blob from stdin.

  --kind nsg|vnet   decode as this kind; by default the records tell (NSG records have
                    properties.flows, VNet records have flowRecords)
  --help            this text

Exit code: 0 when nothing was malformed; 1 when something was, or when the input is not an Azure
flow-log blob (not JSON of the {"records":[...]} form, or records of no flow-log shape); 2 on a usage
error, such as a file that does not exist or a directory.
`;

function parseKind(raw: string | undefined): FlowLogKind | undefined {
  if (raw === undefined || raw === "nsg" || raw === "vnet") return raw;
  throw new UsageError(`--kind is "${raw}"; expected nsg or vnet.`, USAGE);
}

interface MalformedSummary {
  count: number;
  firstDetail: string;
}

export const decodeCommand: Command = {
  name: "decode",
  summary: "print the events a PT1H.json blob would produce (decode --help)",
  usage: USAGE,
  async run(args) {
    const parsed = parseCommandArgs(this, args, { kind: { type: "string" } });
    if (!parsed) return 0;
    if (parsed.positionals.length !== 1) throw new UsageError("decode takes one file name, or - for stdin.", USAGE);
    const forcedKind = parseKind(parsed.values.kind as string | undefined);
    const file = parsed.positionals[0];
    const bytes = await readInput(file, USAGE);
    const name = file === "-" ? "stdin" : file;

    const run = splitDocument(bytes);
    const notBlob = notFlowLogBlob(bytes, run, forcedKind);
    if (notBlob !== undefined) {
      process.stderr.write(`${name}: not an Azure flow-log blob: ${notBlob}.\n`);
      return 1;
    }
    const malformed = new Map<MalformedReason, MalformedSummary>();
    const noteMalformed = (reason: MalformedReason, detail: string) => {
      const summary = malformed.get(reason) ?? { count: 0, firstDetail: detail };
      summary.count++;
      malformed.set(reason, summary);
    };
    for (const span of run.malformed) noteMalformed("invalid_json", `at byte ${span.offset}: ${span.detail}`);

    // Some record has a kind when there are records (notFlowLogBlob said so otherwise).
    const kind = forcedKind ?? run.records.map(kindOfRecord).find((k) => k !== undefined);
    const out = new LineWriter(process.stdout);
    let tuples = 0;
    const output: DecodeOutput = {
      event(quoted) {
        tuples++;
        out.line(JSON.parse(quoted) as string);
      },
      malformed: noteMalformed,
    };
    for (const record of run.records) {
      decodeRecord(kind!, record, output);
      await out.drained();
    }
    await out.end();

    const malformedTotal = [...malformed.values()].reduce((sum, m) => sum + m.count, 0);
    const lines = [
      `${name}: ${run.records.length} records${kind ? ` (${kind})` : ""}, ${tuples} tuples, ${malformedTotal} malformed.`,
      ...[...malformed].map(([reason, m]) => `  ${reason}: ${m.count} (first: ${m.firstDetail})`),
    ];
    process.stderr.write(lines.join("\n") + "\n");
    return malformedTotal > 0 ? 1 : 0;
  },
};
