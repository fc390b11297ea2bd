// What the program would PUT to Azure Resource Manager, rebuilt from what it registered under the mocks:
// each azure-native resource's ARM type and API version (those azure-native 3 uses), its name, and a
// body in which the inputs that are not URL parts or top-level fields go under `properties`, with
// azure-native's renames undone (`enableHttpsTrafficOnly` is ARM's `supportsHttpsTrafficOnly`,
// `networkRuleSet` is `networkAcls`). Sub-resources inside arrays keep azure-native's flattened shape.
// A registered type missing from the table fails, so no resource escapes the policy test.
import type { RecordedResource } from "../../../infra/plan/mocks";
import { unwrapSecrets } from "../../../infra/plan/mocks";
import type { ArmRequest } from "./policy-rule";

interface ArmType {
  readonly type: string;
  /** The API version azure-native 3 sends (its type docs). */
  readonly apiVersion: string;
  /** Inputs that are parts of the URL; the first is the resource's own name. */
  readonly url: readonly string[];
  /** azure-native input name -> ARM property name. */
  readonly renames?: Readonly<Record<string, string>>;
  /** Top-level fields besides location and tags (default: sku, kind, identity). */
  readonly topLevel?: readonly string[];
}

const ARM_TYPES: Readonly<Record<string, ArmType>> = {
  "azure-native:resources:ResourceGroup": { type: "Microsoft.Resources/resourceGroups", apiVersion: "2024-03-01", url: ["resourceGroupName"] },
  "azure-native:storage:StorageAccount": {
    type: "Microsoft.Storage/storageAccounts",
    apiVersion: "2024-01-01",
    url: ["accountName", "resourceGroupName"],
    renames: { enableHttpsTrafficOnly: "supportsHttpsTrafficOnly", networkRuleSet: "networkAcls" },
  },
  "azure-native:storage:ManagementPolicy": {
    type: "Microsoft.Storage/storageAccounts/managementPolicies",
    apiVersion: "2024-01-01",
    url: ["managementPolicyName", "accountName", "resourceGroupName"],
  },
  "azure-native:storage:BlobContainer": {
    type: "Microsoft.Storage/storageAccounts/blobServices/containers",
    apiVersion: "2024-01-01",
    url: ["containerName", "accountName", "resourceGroupName"],
  },
  "azure-native:containerregistry:Registry": {
    type: "Microsoft.ContainerRegistry/registries",
    apiVersion: "2023-01-01-preview",
    url: ["registryName", "resourceGroupName"],
  },
  "azure-native:app:ManagedEnvironment": {
    type: "Microsoft.App/managedEnvironments",
    apiVersion: "2025-02-02-preview",
    url: ["environmentName", "resourceGroupName"],
  },
  "azure-native:app:ContainerApp": { type: "Microsoft.App/containerApps", apiVersion: "2025-02-02-preview", url: ["containerAppName", "resourceGroupName"] },
  "azure-native:managedidentity:UserAssignedIdentity": {
    type: "Microsoft.ManagedIdentity/userAssignedIdentities",
    apiVersion: "2023-01-31",
    url: ["resourceName", "resourceGroupName"],
  },
  "azure-native:authorization:RoleAssignment": {
    type: "Microsoft.Authorization/roleAssignments",
    apiVersion: "2022-04-01",
    url: ["roleAssignmentName", "scope"],
  },
  "azure-native:operationalinsights:Workspace": {
    type: "Microsoft.OperationalInsights/workspaces",
    apiVersion: "2023-09-01",
    url: ["workspaceName", "resourceGroupName"],
    topLevel: ["identity"],
  },
  "azure-native:monitor:ScheduledQueryRule": {
    type: "Microsoft.Insights/scheduledQueryRules",
    apiVersion: "2025-01-01-preview",
    url: ["ruleName", "resourceGroupName"],
  },
  "azure-native:monitor:ActionGroup": {
    type: "Microsoft.Insights/actionGroups",
    apiVersion: "2024-10-01-preview",
    url: ["actionGroupName", "resourceGroupName"],
  },
  "azure-native:monitor:DiagnosticSetting": { type: "Microsoft.Insights/diagnosticSettings", apiVersion: "2021-05-01-preview", url: ["name", "resourceUri"] },
  "azure-native:network:NetworkWatcher": {
    type: "Microsoft.Network/networkWatchers",
    apiVersion: "2024-05-01",
    url: ["networkWatcherName", "resourceGroupName"],
  },
  "azure-native:network:FlowLog": {
    type: "Microsoft.Network/networkWatchers/flowLogs",
    apiVersion: "2024-05-01",
    url: ["flowLogName", "networkWatcherName", "resourceGroupName"],
  },
  "azure-native:network:PrivateEndpoint": {
    type: "Microsoft.Network/privateEndpoints",
    apiVersion: "2024-05-01",
    url: ["privateEndpointName", "resourceGroupName"],
  },
  "azure-native:network:PrivateDnsZoneGroup": {
    type: "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
    apiVersion: "2024-05-01",
    url: ["privateDnsZoneGroupName", "privateEndpointName", "resourceGroupName"],
  },
  "azure-native:privatedns:PrivateZone": { type: "Microsoft.Network/privateDnsZones", apiVersion: "2024-06-01", url: ["privateZoneName", "resourceGroupName"] },
  "azure-native:privatedns:VirtualNetworkLink": {
    type: "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
    apiVersion: "2024-06-01",
    url: ["virtualNetworkLinkName", "privateZoneName", "resourceGroupName"],
  },
};

/** Registered types that are not Azure resources: components, providers, generated names, the image build, Sekoia's API. */
const NOT_AZURE = [/^sekoia-flowlogs:/, /^pulumi:providers:/, /^random:/, /^docker-build:/, /^pulumi-nodejs:dynamic\//];

/** The ARM types a program run would send, one request per registered Azure resource (reads are not requests). */
export function armRequests(resources: readonly RecordedResource[]): ArmRequest[] {
  return resources
    .filter((r) => r.operation === "register" && !NOT_AZURE.some((p) => p.test(r.type)))
    .map((r) => {
      const spec = ARM_TYPES[r.type];
      if (!spec) throw new Error(`arm-requests: ${r.type} (${r.name}) has no ARM type here; add it so the policy test sees it`);
      const inputs = unwrapSecrets(r.inputs) as Record<string, unknown>;
      const name = typeof inputs[spec.url[0]] === "string" ? (inputs[spec.url[0]] as string) : r.name;
      const group = typeof inputs.resourceGroupName === "string" ? inputs.resourceGroupName : "rg";
      const top = new Set(["location", "tags", ...(spec.topLevel ?? ["sku", "kind", "identity"])]);
      const body: Record<string, unknown> = {
        id: `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/${group}/providers/${spec.type}/${name}`,
        name,
        type: spec.type,
      };
      const properties: Record<string, unknown> = {};
      for (const [input, value] of Object.entries(inputs)) {
        if (value === undefined || spec.url.includes(input)) continue;
        if (top.has(input)) body[input] = value;
        else properties[spec.renames?.[input] ?? input] = value;
      }
      return { logicalName: r.name, type: spec.type, apiVersion: spec.apiVersion, body: { ...body, properties } };
    });
}
