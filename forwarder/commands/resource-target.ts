// What `replay --target <resource id>` selects. Azure ids differ in casing between paths and records,
// so ids are compared case-insensitively; a target also covers what lies under it (a VNet covers its
// subnets), since a flow log may target a VNet, a subnet or a NIC.

import { isRecord } from "../decode/decode-output";

/** Record fields that name a resource: NSG records name the NSG, VNet records the target and the flow log. */
const RECORD_ID_FIELDS = ["resourceId", "targetResourceID", "flowLogResourceID"] as const;

/** Every id a blob root or a record holds starts so; a target that does not can select nothing. */
const RESOURCE_ID = /^\/subscriptions\/[^/]+/i;

/** What --target takes, for its usage error. */
export const TARGET_FORM =
  "a resource id from /subscriptions/ on, such as /subscriptions/<guid>/resourceGroups/<group>/providers/Microsoft.Network/networkSecurityGroups/<name>";

/** Distinct resources a RecordSelection remembers for its warning: enough to recognise, bounded in memory. */
const MAX_NAMED = 100;

function normalize(id: string): string {
  return id.trim().replace(/\/+$/, "").toLowerCase();
}

/** The resource a blob root (`resourceId=/SUBSCRIPTIONS/.../`) names, from its `/subscriptions/` on, if any. */
export function rootResourceId(root: string): string | undefined {
  const start = root.toLowerCase().indexOf("/subscriptions/");
  return start < 0 ? undefined : root.slice(start).replace(/\/+$/, "");
}

export class ResourceTarget {
  private readonly id: string;

  constructor(raw: string) {
    this.id = normalize(raw);
  }

  /** The target `raw` names, or undefined when it is no resource id, which could select nothing. */
  static parse(raw: string): ResourceTarget | undefined {
    return RESOURCE_ID.test(raw.trim()) ? new ResourceTarget(raw) : undefined;
  }

  covers(id: string): boolean {
    const candidate = normalize(id);
    return candidate === this.id || candidate.startsWith(`${this.id}/`);
  }

  coversRoot(root: string): boolean {
    const id = rootResourceId(root);
    return id !== undefined && this.covers(id);
  }

  coversRecord(record: unknown): boolean {
    if (!isRecord(record)) return false;
    return RECORD_ID_FIELDS.some((field) => typeof record[field] === "string" && this.covers(record[field] as string));
  }
}

/**
 * A target applied record by record (VNet blob paths name the flow log, not its target), keeping count:
 * when no record matched, the warning can name the resources the records did name.
 */
export class RecordSelection {
  seen = 0;
  kept = 0;
  private readonly named = new Set<string>();

  constructor(private readonly target: ResourceTarget) {}

  readonly keep = (record: unknown): boolean => {
    this.seen++;
    if (this.target.coversRecord(record)) {
      this.kept++;
      return true;
    }
    const id = isRecord(record) ? (record.targetResourceID ?? record.resourceId) : undefined;
    if (typeof id === "string" && this.named.size < MAX_NAMED) this.named.add(id);
    return false;
  };

  /** The resources the records left out named (VNet records: their target), in the order first seen. */
  get resources(): readonly string[] {
    return [...this.named];
  }
}
