// A revision per intake key: Container Apps makes no new revision when only a secret changes, so the
// forwarder's template carries a value derived from the keys (see below).
import { createHash } from "node:crypto";
import type { FlowLogFamily } from "../config/arm-id";

/**
 * A template variable that changes whenever an intake key does. Container Apps makes no new revision
 * when only a secret changes, and running replicas keep the old value ("Manage secrets in Azure
 * Container Apps"): after an intake is replaced (sekoiaEntityUuid, sekoiaCommunityUuid, sekoiaApiUrl)
 * or a key is set or rotated, the forwarder would go on sending with a key Sekoia no longer accepts.
 * A changed template value rolls a revision, which reads the secrets anew.
 */
export const INTAKE_KEYS_VERSION_VARIABLE = "SEKOIA_INTAKE_KEYS_VERSION";

/**
 * 16 hex digits of a SHA-256 over the families and their keys: not secret (intake keys are 128-bit
 * random values Sekoia issues; 64 bits of a hash of them tell nothing), stable while the keys are.
 */
export function intakeKeysVersion(keys: Readonly<Partial<Record<FlowLogFamily, string>>>): string {
  const hash = createHash("sha256");
  for (const family of (["nsg", "vnet"] as const).filter((f) => keys[f] !== undefined)) hash.update(`${family}\0${keys[family]}\0`);
  return hash.digest("hex").slice(0, 16);
}
