// The two kinds of flow log. Azure writes each to a fixed container, and Sekoia parses each with a
// different intake format, so the kind decides both how a record decodes and which key ships it.

export type FlowLogKind = "nsg" | "vnet";

export const FLOW_LOG_CONTAINERS: Readonly<Record<FlowLogKind, string>> = {
  nsg: "insights-logs-networksecuritygroupflowevent",
  vnet: "insights-logs-flowlogflowevent",
};

export function kindOfContainer(container: string): FlowLogKind | undefined {
  if (container === FLOW_LOG_CONTAINERS.nsg) return "nsg";
  if (container === FLOW_LOG_CONTAINERS.vnet) return "vnet";
  return undefined;
}

/** The upper-case label used in variable names (`SEKOIA_NSG_INTAKE_KEY`) and messages. */
export function kindLabel(kind: FlowLogKind): "NSG" | "VNET" {
  return kind === "nsg" ? "NSG" : "VNET";
}
