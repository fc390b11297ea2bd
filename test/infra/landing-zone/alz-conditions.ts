// The conditions ("if" blocks) of the Deny policy definitions that Azure Landing Zones' Corp and
// Landing Zones archetypes assign and that apply to a resource type this program registers, encoded
// from the definitions themselves (source path and version on each; the repositories' commits are in
// __fixtures__/alz-deny-policies.json), parameters replaced by the values the assignments give them.
// policy-rule.ts evaluates them; the two whose rule calls template functions it does not implement are
// written out as predicates, with the rule they stand for. Which assignment uses each, and whether it is
// enforced, is in the fixture.
import type { Condition } from "./policy-rule";
import { fieldValue, type ArmRequest } from "./policy-rule";

export interface EncodedPolicy {
  readonly displayName: string;
  readonly version: string;
  /** Where the definition is, in Azure/azure-policy or Azure/Azure-Landing-Zones-Library. */
  readonly source: string;
  /** The rule's condition, or a predicate standing for it (see `why`). */
  readonly condition: Condition | ((request: ArmRequest) => boolean);
}

export const ENCODED_POLICIES: Readonly<Record<string, EncodedPolicy>> = {
  // Storage accounts should disable public network access (1.0.1)
  "b2982f36-99f2-4db5-8eff-283140c09693": {
    displayName: "Storage accounts should disable public network access",
    version: "1.0.1",
    source: "built-in-policies/policyDefinitions/Storage/StoragePublicNetworkAccess_AuditDeny.json",
    condition: {
      allOf: [
        { field: "type", equals: "Microsoft.Storage/storageAccounts" },
        { field: "Microsoft.Storage/storageAccounts/publicNetworkAccess", notEquals: "Disabled" },
      ],
    },
  },
  // Public network access should be disabled for Container registries (1.0.0)
  "0fdf0491-d080-4575-b627-ad0e843cba0f": {
    displayName: "Public network access should be disabled for Container registries",
    version: "1.0.0",
    source: "built-in-policies/policyDefinitions/Container Registry/ACR_PublicNetworkAccess_AuditDeny.json",
    condition: {
      allOf: [
        { field: "type", equals: "Microsoft.ContainerRegistry/registries" },
        { field: "Microsoft.ContainerRegistry/registries/publicNetworkAccess", notEquals: "Disabled" },
      ],
    },
  },
  // Container Apps environment should disable public network access (1.1.0)
  "d074ddf8-01a5-4b5e-a2b8-964aed452c0a": {
    displayName: "Container Apps environment should disable public network access",
    version: "1.1.0",
    source: "built-in-policies/policyDefinitions/Container Apps/EnvironmentInternal_Audit.json",
    condition: {
      allOf: [
        { field: "type", equals: "Microsoft.App/managedEnvironments" },
        {
          anyOf: [
            { field: "Microsoft.App/managedEnvironments/vnetConfiguration", exists: false },
            { field: "Microsoft.App/managedEnvironments/vnetConfiguration.internal", exists: false },
            { field: "Microsoft.App/managedEnvironments/vnetConfiguration.internal", equals: false },
          ],
        },
      ],
    },
  },
  // Container Apps should disable external network access (1.1.0)
  "783ea2a8-b8fd-46be-896a-9ae79643a0b1": {
    displayName: "Container Apps should disable external network access",
    version: "1.1.0",
    source: "built-in-policies/policyDefinitions/Container Apps/ContainerAppInternal_Audit.json",
    condition: {
      allOf: [
        { field: "type", equals: "Microsoft.App/containerApps" },
        { field: "Microsoft.App/containerApps/configuration.ingress.external", equals: true },
      ],
    },
  },
  // Storage account public access should be disallowed (3.1.1)
  "4fa4b6c0-31ca-4c0d-b10d-24b96f62a751": {
    displayName: "Storage account public access should be disallowed",
    version: "3.1.1",
    source: "built-in-policies/policyDefinitions/Storage/ASC_Storage_DisallowPublicBlobAccess_Audit.json",
    condition: {
      allOf: [
        { field: "type", equals: "Microsoft.Storage/storageAccounts" },
        {
          not: {
            allOf: [
              { field: "id", contains: "/resourceGroups/aro-" },
              {
                anyOf: [
                  { field: "name", like: "cluster*" },
                  { field: "name", like: "imageregistry*" },
                ],
              },
            ],
          },
        },
        { not: { field: "Microsoft.Storage/storageAccounts/allowBlobPublicAccess", equals: "false" } },
      ],
    },
  },
  // Secure transfer to storage accounts should be enabled (2.0.0)
  "404c3081-a854-4457-ae30-26a93ef643f9": {
    displayName: "Secure transfer to storage accounts should be enabled",
    version: "2.0.0",
    source: "built-in-policies/policyDefinitions/Storage/Storage_AuditForHTTPSEnabled_Audit.json",
    condition: {
      allOf: [
        { field: "type", equals: "Microsoft.Storage/storageAccounts" },
        {
          anyOf: [
            {
              allOf: [
                { value: "[requestContext().apiVersion]", less: "2019-04-01" },
                { field: "Microsoft.Storage/storageAccounts/supportsHttpsTrafficOnly", exists: "false" },
              ],
            },
            { field: "Microsoft.Storage/storageAccounts/supportsHttpsTrafficOnly", equals: "false" },
          ],
        },
      ],
    },
  },
  // Container registries should be encrypted with a customer-managed key (1.1.2)
  "5b9159ae-1701-4a6f-9a7a-aa9c8ddd0580": {
    displayName: "Container registries should be encrypted with a customer-managed key",
    version: "1.1.2",
    source: "built-in-policies/policyDefinitions/Container Registry/ACR_CMKEncryptionEnabled_Audit.json",
    condition: {
      allOf: [
        { field: "type", equals: "Microsoft.ContainerRegistry/registries" },
        { field: "Microsoft.ContainerRegistry/registries/encryption.status", notEquals: "enabled" },
      ],
    },
  },
  // Table Storage should use customer-managed key for encryption (1.0.0)
  "7c322315-e26d-4174-a99e-f49d351b4688": {
    displayName: "Table Storage should use customer-managed key for encryption",
    version: "1.0.0",
    source: "built-in-policies/policyDefinitions/Storage/StorageTableCustomerManagedKeyEnabled_Audit.json",
    condition: {
      allOf: [
        { field: "type", equals: "Microsoft.Storage/storageAccounts" },
        { field: "Microsoft.Storage/storageAccounts/encryption.keySource", equals: "Microsoft.Keyvault" },
        { field: "Microsoft.Storage/storageAccounts/encryption.services.table.keyType", notEquals: "Account" },
      ],
    },
  },
  // Queue Storage should use customer-managed key for encryption (1.0.0)
  "f0e5abd0-2554-4736-b7c0-4ffef23475ef": {
    displayName: "Queue Storage should use customer-managed key for encryption",
    version: "1.0.0",
    source: "built-in-policies/policyDefinitions/Storage/StorageQueueCustomerManagedKeyEnabled_Audit.json",
    condition: {
      allOf: [
        { field: "type", equals: "Microsoft.Storage/storageAccounts" },
        { field: "Microsoft.Storage/storageAccounts/encryption.keySource", equals: "Microsoft.Keyvault" },
        { field: "Microsoft.Storage/storageAccounts/encryption.services.queue.keyType", notEquals: "Account" },
      ],
    },
  },
  // Container App environments should use network injection (1.0.2)
  "8b346db6-85af-419b-8557-92cee2c0f9bb": {
    displayName: "Container App environments should use network injection",
    version: "1.0.2",
    source: "built-in-policies/policyDefinitions/Container Apps/InjectVNet_Audit.json",
    condition: {
      allOf: [
        { field: "type", equals: "Microsoft.App/managedEnvironments" },
        {
          anyOf: [
            { field: "Microsoft.App/managedEnvironments/vnetConfiguration.infrastructureSubnetId", exists: false },
            { field: "Microsoft.App/managedEnvironments/vnetConfiguration.infrastructureSubnetId", equals: "" },
          ],
        },
      ],
    },
  },
  // Managed Identity should be enabled for Container Apps (1.0.1)
  "b874ab2d-72dd-47f1-8cb5-4a306478a4e7": {
    displayName: "Managed Identity should be enabled for Container Apps",
    version: "1.0.1",
    source: "built-in-policies/policyDefinitions/Container Apps/ManagedIdentity_Audit.json",
    condition: {
      allOf: [
        { field: "type", equals: "Microsoft.App/containerApps" },
        {
          anyOf: [
            { field: "identity.type", exists: false },
            { field: "identity.type", equals: "none" },
          ],
        },
      ],
    },
  },
  // Container registries should have ARM audience token authentication disabled. (1.0.0)
  "42781ec6-6127-4c30-bdfa-fb423a0047d3": {
    displayName: "Container registries should have ARM audience token authentication disabled.",
    version: "1.0.0",
    source: "built-in-policies/policyDefinitions/Container Registry/ACR_AADAuthenticationAsArmPolicy_AuditDeny.json",
    condition: {
      allOf: [
        { field: "type", equals: "Microsoft.ContainerRegistry/registries" },
        {
          anyOf: [
            { field: "Microsoft.ContainerRegistry/registries/policies.azureADAuthenticationAsArmPolicy", exists: false },
            { field: "Microsoft.ContainerRegistry/registries/policies.azureADAuthenticationAsArmPolicy.status", exists: false },
            { field: "Microsoft.ContainerRegistry/registries/policies.azureADAuthenticationAsArmPolicy.status", equals: "enabled" },
          ],
        },
      ],
    },
  },
  // Container registries should have SKUs that support Private Links (1.0.0)
  "bd560fc0-3c69-498a-ae9f-aa8eb7de0e13": {
    displayName: "Container registries should have SKUs that support Private Links",
    version: "1.0.0",
    source: "built-in-policies/policyDefinitions/Container Registry/ACR_SkuSupportsPrivateEndpoints_AuditDeny.json",
    condition: {
      allOf: [
        { field: "type", equals: "Microsoft.ContainerRegistry/registries" },
        { field: "Microsoft.ContainerRegistry/registries/sku.name", notEquals: "Premium" },
      ],
    },
  },
  // Container registries should have anonymous authentication disabled. (1.0.0)
  "9f2dea28-e834-476c-99c5-3507b4728395": {
    displayName: "Container registries should have anonymous authentication disabled.",
    version: "1.0.0",
    source: "built-in-policies/policyDefinitions/Container Registry/ACR_AnonymousPullDisabled_AuditDeny.json",
    condition: {
      allOf: [
        { field: "type", equals: "Microsoft.ContainerRegistry/registries" },
        { field: "Microsoft.ContainerRegistry/registries/anonymousPullEnabled", equals: true },
      ],
    },
  },
  // Container registries should have exports disabled (1.0.0)
  "524b0254-c285-4903-bee6-bb8126cde579": {
    displayName: "Container registries should have exports disabled",
    version: "1.0.0",
    source: "built-in-policies/policyDefinitions/Container Registry/ACR_ExportPolicy_AuditDeny.json",
    condition: {
      allOf: [
        { field: "type", equals: "Microsoft.ContainerRegistry/registries" },
        {
          anyOf: [
            { field: "Microsoft.ContainerRegistry/registries/policies.exportPolicy.status", notEquals: "Disabled" },
            { field: "Microsoft.ContainerRegistry/registries/publicNetworkAccess", notEquals: "Disabled" },
          ],
        },
      ],
    },
  },
  // Container registries should have local admin account disabled. (1.0.1)
  "dc921057-6b28-4fbe-9b83-f7bec05db6c2": {
    displayName: "Container registries should have local admin account disabled.",
    version: "1.0.1",
    source: "built-in-policies/policyDefinitions/Container Registry/ACR_AdminAccountDisabled_AuditDeny.json",
    condition: {
      allOf: [
        { field: "type", equals: "Microsoft.ContainerRegistry/registries" },
        { field: "Microsoft.ContainerRegistry/registries/adminUserEnabled", equals: true },
      ],
    },
  },
  // Container registries should not allow unrestricted network access (2.0.0)
  "d0793b48-0edc-4296-a390-4c75d1bdfd71": {
    displayName: "Container registries should not allow unrestricted network access",
    version: "2.0.0",
    source: "built-in-policies/policyDefinitions/Container Registry/ACR_NetworkRulesExist_AuditDeny.json",
    condition: {
      allOf: [
        { field: "type", equals: "Microsoft.ContainerRegistry/registries" },
        {
          allOf: [
            {
              anyof: [
                { field: "Microsoft.ContainerRegistry/registries/networkRuleSet.defaultAction", exists: "false" },
                { field: "Microsoft.ContainerRegistry/registries/networkRuleSet.defaultAction", equals: "Allow" },
              ],
            },
            {
              anyof: [
                { field: "Microsoft.ContainerRegistry/registries/publicNetworkAccess", exists: "false" },
                { field: "Microsoft.ContainerRegistry/registries/publicNetworkAccess", equals: "Enabled" },
              ],
            },
          ],
        },
      ],
    },
  },
  // Allowed Copy scope should be restricted for Storage Accounts (1.0.0)
  "Deny-Storage-CopyScope": {
    displayName: "Allowed Copy scope should be restricted for Storage Accounts",
    version: "1.0.0",
    source: "platform/alz/policy_definitions/Deny-Storage-CopyScope.alz_policy_definition.json",
    condition: {
      allOf: [
        { equals: "Microsoft.Storage/storageAccounts", field: "type" },
        {
          anyOf: [
            { exists: "false", field: "Microsoft.Storage/storageAccounts/allowedCopyScope" },
            { field: "Microsoft.Storage/storageAccounts/allowedCopyScope", notEquals: "AAD" },
          ],
        },
      ],
    },
  },
  // Encryption for storage services should be enforced for Storage Accounts (1.0.0)
  "Deny-Storage-ServicesEncryption": {
    displayName: "Encryption for storage services should be enforced for Storage Accounts",
    version: "1.0.0",
    source: "platform/alz/policy_definitions/Deny-Storage-ServicesEncryption.alz_policy_definition.json",
    condition: {
      allOf: [
        { equals: "Microsoft.Storage/storageAccounts", field: "type" },
        {
          anyOf: [
            {
              anyOf: [
                { exists: "false", field: "Microsoft.Storage/storageAccounts/encryption.services.blob.enabled" },
                { field: "Microsoft.Storage/storageAccounts/encryption.services.blob.enabled", notEquals: true },
              ],
            },
            {
              anyOf: [
                { exists: "false", field: "Microsoft.Storage/storageAccounts/encryption.services.file.enabled" },
                { field: "Microsoft.Storage/storageAccounts/encryption.services.file.enabled", notEquals: true },
              ],
            },
            {
              anyOf: [
                { exists: "false", field: "Microsoft.Storage/storageAccounts/encryption.services.queue.keyType" },
                { field: "Microsoft.Storage/storageAccounts/encryption.services.queue.keyType", notEquals: "Account" },
              ],
            },
            {
              anyOf: [
                { exists: "false", field: "Microsoft.Storage/storageAccounts/encryption.services.table.keyType" },
                { field: "Microsoft.Storage/storageAccounts/encryption.services.table.keyType", notEquals: "Account" },
              ],
            },
          ],
        },
      ],
    },
  },
  // Storage Accounts with SFTP enabled should be denied (1.0.0)
  "Deny-Storage-SFTP": {
    displayName: "Storage Accounts with SFTP enabled should be denied",
    version: "1.0.0",
    source: "platform/alz/policy_definitions/Deny-Storage-SFTP.alz_policy_definition.json",
    condition: {
      allOf: [
        { equals: "Microsoft.Storage/storageAccounts", field: "type" },
        { equals: "true", field: "Microsoft.Storage/storageAccounts/isSftpEnabled" },
      ],
    },
  },
  // Network ACL bypass option should be restricted for Storage Accounts (1.0.0)
  "Deny-Storage-NetworkAclsBypass": {
    displayName: "Network ACL bypass option should be restricted for Storage Accounts",
    version: "1.0.0",
    source: "platform/alz/policy_definitions/Deny-Storage-NetworkAclsBypass.alz_policy_definition.json",
    condition: {
      allOf: [
        { equals: "Microsoft.Storage/storageAccounts", field: "type" },
        {
          anyOf: [
            { exists: "false", field: "Microsoft.Storage/storageAccounts/networkAcls.bypass" },
            { field: "Microsoft.Storage/storageAccounts/networkAcls.bypass", notIn: ["None"] },
          ],
        },
      ],
    },
  },
  // Resource Access Rules Tenants should be restricted for Storage Accounts (1.0.0)
  "Deny-Storage-ResourceAccessRulesTenantId": {
    displayName: "Resource Access Rules Tenants should be restricted for Storage Accounts",
    version: "1.0.0",
    source: "platform/alz/policy_definitions/Deny-Storage-ResourceAccessRulesTenantId.alz_policy_definition.json",
    condition: {
      allOf: [
        { equals: "Microsoft.Storage/storageAccounts", field: "type" },
        { count: { field: "Microsoft.Storage/storageAccounts/networkAcls.resourceAccessRules[*]" }, greater: 0 },
        { field: "Microsoft.Storage/storageAccounts/networkAcls.resourceAccessRules[*].tenantId", notEquals: "[subscription().tenantId]" },
      ],
    },
  },
  // Resource Access Rules resource IDs should be restricted for Storage Accounts (1.0.0)
  "Deny-Storage-ResourceAccessRulesResourceId": {
    displayName: "Resource Access Rules resource IDs should be restricted for Storage Accounts",
    version: "1.0.0",
    source: "platform/alz/policy_definitions/Deny-Storage-ResourceAccessRulesResourceId.alz_policy_definition.json",
    condition: (request) => {
      // count(networkAcls.resourceAccessRules[*]) > 0 and some rule's resourceId has "*" as its
      // subscription (split(resourceId, '/')[2]): a rule admitting a resource type in every subscription.
      const rules = fieldValue(request, "Microsoft.Storage/storageAccounts/networkAcls.resourceAccessRules");
      return Array.isArray(rules) && rules.some((r: { resourceId?: string }) => String(r.resourceId ?? "").split("/")[2] === "*");
    },
  },
  // Virtual network rules should be restricted for Storage Accounts (1.0.0)
  "Deny-Storage-NetworkAclsVirtualNetworkRules": {
    displayName: "Virtual network rules should be restricted for Storage Accounts",
    version: "1.0.0",
    source: "platform/alz/policy_definitions/Deny-Storage-NetworkAclsVirtualNetworkRules.alz_policy_definition.json",
    condition: {
      allOf: [
        { equals: "Microsoft.Storage/storageAccounts", field: "type" },
        { count: { field: "Microsoft.Storage/storageAccounts/networkAcls.virtualNetworkRules[*]" }, greater: 0 },
      ],
    },
  },
  // Storage accounts should prevent cross tenant object replication (1.0.0)
  "92a89a79-6c52-4a7e-a03f-61306fc49312": {
    displayName: "Storage accounts should prevent cross tenant object replication",
    version: "1.0.0",
    source: "built-in-policies/policyDefinitions/Storage/StorageAccountAllowCrossTenantReplication_Audit.json",
    condition: {
      allOf: [
        { field: "type", equals: "Microsoft.Storage/storageAccounts" },
        { field: "Microsoft.Storage/storageAccounts/allowCrossTenantReplication", notEquals: "false" },
      ],
    },
  },
  // Storage accounts should prevent shared key access (2.0.0)
  "8c6a50c6-9ffd-4ae7-986f-5fa6111f9a54": {
    displayName: "Storage accounts should prevent shared key access",
    version: "2.0.0",
    source: "built-in-policies/policyDefinitions/Storage/StorageAccountAllowSharedKeyAccess_Audit.json",
    condition: {
      allOf: [
        { field: "type", equals: "Microsoft.Storage/storageAccounts" },
        {
          anyOf: [
            {
              anyOf: [
                { field: "Microsoft.Storage/storageAccounts/allowSharedKeyAccess", exists: "false" },
                { field: "Microsoft.Storage/storageAccounts/allowSharedKeyAccess", equals: "" },
              ],
            },
            { field: "Microsoft.Storage/storageAccounts/allowSharedKeyAccess", equals: "true" },
          ],
        },
      ],
    },
  },
  // Storage accounts should have infrastructure encryption (1.0.0)
  "4733ea7b-a883-42fe-8cac-97454c2a9e4a": {
    displayName: "Storage accounts should have infrastructure encryption",
    version: "1.0.0",
    source: "built-in-policies/policyDefinitions/Storage/StorageAccountInfrastructureEncryptionEnabled_Audit.json",
    condition: {
      allOf: [
        { field: "type", equals: "Microsoft.Storage/storageAccounts" },
        { field: "Microsoft.Storage/storageAccounts/encryption.requireInfrastructureEncryption", notEquals: "true" },
      ],
    },
  },
  // Storage accounts should be migrated to new Azure Resource Manager resources (1.0.0)
  "37e0d2fe-28a5-43d6-a273-67d37d1f5606": {
    displayName: "Storage accounts should be migrated to new Azure Resource Manager resources",
    version: "1.0.0",
    source: "built-in-policies/policyDefinitions/Storage/Classic_AuditForClassicStorages_Audit.json",
    condition: {
      allOf: [
        { field: "type", in: ["Microsoft.ClassicStorage/storageAccounts", "Microsoft.Storage/StorageAccounts"] },
        { value: "[field('type')]", equals: "Microsoft.ClassicStorage/storageAccounts" },
      ],
    },
  },
  // Storage accounts should restrict network access (1.1.1)
  "34c877ad-507e-4c82-993e-3452a6e0ad3c": {
    displayName: "Storage accounts should restrict network access",
    version: "1.1.1",
    source: "built-in-policies/policyDefinitions/Storage/Storage_NetworkAcls_Audit.json",
    condition: {
      allOf: [
        { field: "type", equals: "Microsoft.Storage/storageAccounts" },
        { field: "Microsoft.Storage/storageAccounts/networkAcls.defaultAction", notEquals: "Deny" },
      ],
    },
  },
  // Storage accounts should restrict network access using virtual network rules (1.0.1)
  "2a1a9cdf-e04d-429a-8416-3bfb72a1b26f": {
    displayName: "Storage accounts should restrict network access using virtual network rules",
    version: "1.0.1",
    source: "built-in-policies/policyDefinitions/Storage/StorageAccountOnlyVnetRulesEnabled_Audit.json",
    condition: {
      allOf: [
        { field: "type", equals: "Microsoft.Storage/storageAccounts" },
        {
          anyOf: [
            { field: "Microsoft.Storage/storageAccounts/networkAcls.defaultAction", notEquals: "Deny" },
            { count: { field: "Microsoft.Storage/storageAccounts/networkAcls.ipRules[*]" }, greaterOrEquals: 1 },
          ],
        },
      ],
    },
  },
  // Storage account keys should not be expired (3.0.0)
  "044985bb-afe1-42cd-8a36-9d5d42424537": {
    displayName: "Storage account keys should not be expired",
    version: "3.0.0",
    source: "built-in-policies/policyDefinitions/Storage/StorageAccountKeysExpired_Restrict.json",
    condition: (request) => {
      // anyOf: utcNow() > addDays(keyCreationTime.key1|key2, keyPolicy.keyExpirationPeriodInDays) when both
      // are set (else utcNow(), never greater): a key older than the account's own expiration period.
      const days = fieldValue(request, "Microsoft.Storage/storageAccounts/keyPolicy.keyExpirationPeriodInDays");
      return ["key1", "key2"].some((key) => {
        const created = fieldValue(request, `Microsoft.Storage/storageAccounts/keyCreationTime.${key}`);
        return typeof created === "string" && typeof days === "number" && Date.now() > Date.parse(created) + days * 86_400_000;
      });
    },
  },
  // Container Apps should only be accessible over HTTPS (1.0.1)
  "0e80e269-43a4-4ae9-b5bc-178126b8a5cb": {
    displayName: "Container Apps should only be accessible over HTTPS",
    version: "1.0.1",
    source: "built-in-policies/policyDefinitions/Container Apps/EnableHTTPS_Audit.json",
    condition: {
      allOf: [
        { field: "type", equals: "Microsoft.App/containerApps" },
        { field: "Microsoft.App/containerApps/configuration.ingress.allowInsecure", equals: true },
      ],
    },
  },
  // Storage accounts should have the specified minimum TLS version (1.0.0)
  "fe83a0eb-a853-422d-aac2-1bffd182c5d0": {
    displayName: "Storage accounts should have the specified minimum TLS version",
    version: "1.0.0",
    source: "built-in-policies/policyDefinitions/Storage/StorageAccountMinimumTLSVersion_Audit.json",
    condition: {
      allOf: [
        { field: "type", equals: "Microsoft.Storage/storageAccounts" },
        {
          anyOf: [
            { field: "Microsoft.Storage/storageAccounts/minimumTlsVersion", notEquals: "TLS1_2" },
            { field: "Microsoft.Storage/storageAccounts/minimumTlsVersion", exists: "false" },
          ],
        },
      ],
    },
  },
};

/**
 * Deploy-Private-DNS-Zones (Corp, DeployIfNotExists), member DINE-Private-DNS-Azure-Storage-Blob:
 * "Configure a private DNS Zone ID for blob groupID" (75973700-529f-4de2-b794-fb9b6781b6b0, 1.0.0,
 * built-in-policies/policyDefinitions/Storage/StoragePrivateDnsZoneGroup_Blob.json). Its deployment runs
 * when this holds and the endpoint has no `Microsoft.Network/privateEndpoints/privateDnsZoneGroups`
 * (its existence check names the type only, so any zone group stops it).
 */
export const DINE_BLOB_ZONE_GROUP: Condition = {
  allOf: [
    { field: "type", equals: "Microsoft.Network/privateEndpoints" },
    {
      count: {
        field: "Microsoft.Network/privateEndpoints/privateLinkServiceConnections[*].groupIds[*]",
        where: { field: "Microsoft.Network/privateEndpoints/privateLinkServiceConnections[*].groupIds[*]", equals: "blob" },
      },
      greaterOrEquals: 1,
    },
  ],
};

/**
 * Audit-PeDnsZones (Corp, effect Audit): "Audit or Deny the creation of Private Link Private DNS Zones"
 * (Audit-PrivateLinkDnsZones 1.0.2 in the library's platform/alz/policy_definitions). The assignment
 * lists 64 zones; the ones a storage account's endpoints could use are kept here.
 */
export const AUDIT_PE_DNS_ZONES: Condition = {
  allOf: [
    { equals: "Microsoft.Network/privateDnsZones", field: "type" },
    {
      field: "name",
      in: [
        "privatelink.blob.core.windows.net",
        "privatelink.dfs.core.windows.net",
        "privatelink.file.core.windows.net",
        "privatelink.queue.core.windows.net",
        "privatelink.table.core.windows.net",
        "privatelink.web.core.windows.net",
      ],
    },
  ],
};
