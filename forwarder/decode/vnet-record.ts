// VNet flow-log records (flowLogVersion 4 and later) to Sekoia events of the "Azure Network Watcher
// Flow Logs" format: one per tuple, the tuple verbatim in `flow.0`, with the target and flow-log ids
// kept as extra keys for the analyst.

import { emitTuples, isRecord, type DecodeOutput } from "./decode-output";

const TUPLE_FIELDS = 13;
const OPTIONAL_KEYS = ["targetResourceID", "flowLogResourceID", "category"] as const;

export function decodeVnetRecord(record: Record<string, unknown>, out: DecodeOutput): void {
  const raw = () => JSON.stringify(record);
  if (record.properties !== undefined || record.category === "NetworkSecurityGroupFlowEvent") {
    out.malformed("kind_mismatch", "an NSG flow-log record in a VNet flow-log container", raw());
    return;
  }
  const { time, flowLogVersion, flowLogGUID, macAddress, flowRecords } = record;
  if (typeof flowLogVersion !== "number" || !Number.isInteger(flowLogVersion) || flowLogVersion < 4) {
    out.malformed("unknown_version", `VNet record has flowLogVersion ${JSON.stringify(flowLogVersion)}, expected 4 or later`, raw());
    return;
  }
  if (
    typeof time !== "string" ||
    typeof flowLogGUID !== "string" ||
    typeof macAddress !== "string" ||
    !isRecord(flowRecords) ||
    !Array.isArray(flowRecords.flows)
  ) {
    out.malformed("invalid_record", "VNet record lacks time, flowLogGUID, macAddress or flowRecords.flows", raw());
    return;
  }
  const operationName = typeof record.operationName === "string" ? record.operationName : "FlowLogFlowEvent";
  let extras = "";
  for (const key of OPTIONAL_KEYS) {
    const value = record[key];
    if (typeof value === "string") extras += `,${JSON.stringify(key)}:${JSON.stringify(value)}`;
  }
  const recordPrefix =
    `{"time":${JSON.stringify(time)},"flowLogVersion":${flowLogVersion},"flowLogGUID":${JSON.stringify(flowLogGUID)},` +
    `"macAddress":${JSON.stringify(macAddress)},"operationName":${JSON.stringify(operationName)}`;
  const suffix = `${extras}}`;
  for (const flow of flowRecords.flows) {
    if (!isRecord(flow) || typeof flow.aclID !== "string" || !Array.isArray(flow.flowGroups)) {
      out.malformed("invalid_record", "VNet flow lacks aclID or flowGroups", JSON.stringify(flow) ?? "undefined");
      continue;
    }
    for (const group of flow.flowGroups) {
      if (!isRecord(group) || typeof group.rule !== "string") {
        out.malformed("invalid_record", `VNet flow group of ACL ${flow.aclID} lacks rule`, JSON.stringify(group) ?? "undefined");
        continue;
      }
      const prefix = `${recordPrefix},"aclID":${JSON.stringify(flow.aclID)},"rule":${JSON.stringify(group.rule)},"flow.0":`;
      emitTuples(group.flowTuples, TUPLE_FIELDS, prefix, suffix, out, `VNet rule ${group.rule}`);
    }
  }
}
