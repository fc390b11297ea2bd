// What `replay --target <resource id>` selects. Azure ids differ in casing between paths and records,
// so ids are compared case-insensitively; a target also covers what lies under it (a VNet covers its
// subnets), since a flow log may target a VNet, a subnet or a NIC.

import { isRecord } from "../decode/decode-output";

/** Record fields that name a resource: NSG records name the NSG, VNet records the target and the flow log. */
const RECORD_ID_FIELDS = ["resourceId", "targetResourceID", "flowLogResourceID"] as const;

function normalize(id: string): string {
  return id.trim().replace(/\/+$/, "").toLowerCase();
}

export class ResourceTarget {
  private readonly id: string;

  constructor(raw: string) {
    this.id = normalize(raw);
  }

  covers(id: string): boolean {
    const candidate = normalize(id);
    return candidate === this.id || candidate.startsWith(`${this.id}/`);
  }

  /** A blob root (`resourceId=/SUBSCRIPTIONS/.../`) names the resource from its `/subscriptions/` on. */
  coversRoot(root: string): boolean {
    const start = root.toLowerCase().indexOf("/subscriptions/");
    return start >= 0 && this.covers(root.slice(start));
  }

  coversRecord(record: unknown): boolean {
    if (!isRecord(record)) return false;
    return RECORD_ID_FIELDS.some((field) => typeof record[field] === "string" && this.covers(record[field] as string));
  }
}
