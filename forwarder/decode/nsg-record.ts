// NSG flow-log records (properties.Version 1 and 2, mixed freely in one blob) to Sekoia events of the
// "Azure Network Watcher" format: one per tuple, the tuple verbatim in `flow.0`.

import { emitTuples, isRecord, type DecodeOutput } from "./decode-output";

const FIELDS_BY_VERSION: Readonly<Record<number, number>> = { 1: 8, 2: 13 };

export function decodeNsgRecord(record: Record<string, unknown>, out: DecodeOutput): void {
  const raw = () => JSON.stringify(record);
  if (record.flowRecords !== undefined || record.category === "FlowLogFlowEvent") {
    out.malformed("kind_mismatch", "a VNet flow-log record in an NSG flow-log container", raw());
    return;
  }
  const { time, resourceId, properties } = record;
  if (typeof time !== "string" || typeof resourceId !== "string" || !isRecord(properties)) {
    out.malformed("invalid_record", "NSG record lacks time, resourceId or properties", raw());
    return;
  }
  const version = properties.Version;
  const fields = typeof version === "number" ? FIELDS_BY_VERSION[version] : undefined;
  if (fields === undefined) {
    out.malformed("unknown_version", `NSG record has properties.Version ${JSON.stringify(version)}, expected 1 or 2`, raw());
    return;
  }
  if (!Array.isArray(properties.flows)) {
    out.malformed("invalid_record", "NSG record lacks properties.flows", raw());
    return;
  }
  const operationName = typeof record.operationName === "string" ? record.operationName : "NetworkSecurityGroupFlowEvents";
  const recordMac = typeof record.macAddress === "string" ? record.macAddress : undefined;
  const suffix = `,"version":${JSON.stringify(String(version))}}`;
  for (const ruleFlow of properties.flows) {
    if (!isRecord(ruleFlow) || typeof ruleFlow.rule !== "string" || !Array.isArray(ruleFlow.flows)) {
      out.malformed("invalid_record", "NSG rule entry lacks rule or flows", JSON.stringify(ruleFlow) ?? "undefined");
      continue;
    }
    for (const macFlow of ruleFlow.flows) {
      const mac = isRecord(macFlow) && typeof macFlow.mac === "string" ? macFlow.mac : recordMac;
      if (!isRecord(macFlow) || mac === undefined) {
        out.malformed("invalid_record", `NSG flow of rule ${ruleFlow.rule} lacks mac and flowTuples`, JSON.stringify(macFlow) ?? "undefined");
        continue;
      }
      const prefix =
        `{"time":${JSON.stringify(time)},"resourceId":${JSON.stringify(resourceId)},"macAddress":${JSON.stringify(mac)},` +
        `"operationName":${JSON.stringify(operationName)},"rule":${JSON.stringify(ruleFlow.rule)},"flow.0":`;
      emitTuples(macFlow.flowTuples, fields, prefix, suffix, out, `NSG rule ${ruleFlow.rule}`);
    }
  }
}
