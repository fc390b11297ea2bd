// The kind of flow log a container holds. Azure writes each kind to a fixed container (contract.ts),
// and Sekoia parses each with a different intake format, so the kind decides both how a record decodes
// and which key ships it.

import { FLOW_LOG_CONTAINERS, type FlowLogKind } from "../contract";

export function kindOfContainer(container: string): FlowLogKind | undefined {
  if (container === FLOW_LOG_CONTAINERS.nsg) return "nsg";
  if (container === FLOW_LOG_CONTAINERS.vnet) return "vnet";
  return undefined;
}
