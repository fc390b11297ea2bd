// The built-in Azure roles the forwarder and the Event Grid topics are granted, and how a grant is
// named: role assignment names are GUIDs derived from what they grant, so a grant is made once.
import { createHash } from "node:crypto";

/** Built-in role definition GUIDs (identical in every Azure tenant). */
export const ROLES = {
  storageBlobDataReader: "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
  storageBlobDataContributor: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
  acrPull: "7f951dda-4ed3-4680-a7ca-43fe172d538d",
  /**
   * Event mode: the app receives, deletes and re-times messages (update needs more than Message
   * Processor) and puts the reconciliation's announcements (Put Message: messages/write); KEDA reads the length.
   */
  storageQueueDataContributor: "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
  /** Event mode: the system topics' identity adds messages, nothing else. */
  storageQueueDataMessageSender: "c6a89b2d-59bc-44d0-9896-0f6e12d7b80a",
} as const;

/** Role definition id in the subscription of `scope` (a resource id). */
export function roleDefinitionId(scope: string, roleGuid: string): string {
  const subscription = /^\/subscriptions\/([^/]+)/i.exec(scope)?.[1];
  if (!subscription) throw new Error(`roleDefinitionId: found scope "${scope}", expected a resource id under /subscriptions/<id>`);
  return `/subscriptions/${subscription}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`;
}

/**
 * Role assignment names must be GUIDs: derived from scope, role and principal (like Bicep's guid()),
 * so the same grant always has the same name and a second grant of it cannot be created by mistake.
 */
export function roleAssignmentName(scope: string, roleGuid: string, principalId: string): string {
  const h = createHash("sha256").update(`${scope.toLowerCase()}|${roleGuid}|${principalId}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
