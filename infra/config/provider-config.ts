// Parses the azure-native provider settings of the stack (`azure-native:clientId`, `useOidc`,
// `auxiliaryTenantIds`, ...) so that every explicit provider (provider.ts) authenticates the way the
// stack says. The engine's default provider reads these keys from the stack; an explicit provider
// gets only its arguments (and the ARM_* variables the provider plugin reads itself), and every
// resource of this program goes through an explicit provider, so without this a stack set up for
// OIDC or a service principal would fall back to the Azure CLI's login. Pure; appends
// "key: found ..., expected ..." problems that config.ts reports.
import type { ProviderArgs } from "@pulumi/azure-native/provider";
import * as pulumi from "@pulumi/pulumi";

/** What every provider of the stack gets; the subscription and location are set per provider. */
export type ProviderSettings = Omit<ProviderArgs, "subscriptionId" | "location">;

type Kind = "text" | "secret" | "boolean" | "list";

/**
 * Every ProviderArgs field, and how its config value reads. Credentials are wrapped as secrets here
 * (azure-native itself wraps only clientId, clientSecret and clientCertificatePassword), so they stay
 * secret in the state whether or not the stack set them with --secret. A Record over the fields makes
 * the compiler name a field a new azure-native release adds.
 */
const SETTINGS: Readonly<Record<keyof ProviderSettings, Kind>> = {
  auxiliaryTenantIds: "list",
  clientCertificatePassword: "secret",
  clientCertificatePath: "text",
  clientId: "text",
  clientSecret: "secret",
  disableInstanceDiscovery: "boolean",
  disablePulumiPartnerId: "boolean",
  environment: "text",
  metadataHost: "text",
  msiEndpoint: "text",
  oidcRequestToken: "secret",
  oidcRequestUrl: "text",
  oidcToken: "secret",
  oidcTokenFilePath: "text",
  partnerId: "text",
  tenantId: "text",
  useDefaultAzureCredential: "boolean",
  useMsi: "boolean",
  useOidc: "boolean",
};

/** The config keys read, `azure-native:<field>`. */
export const PROVIDER_SETTING_KEYS: readonly string[] = Object.keys(SETTINGS).map((field) => `azure-native:${field}`);

const show = (v: unknown): string => JSON.stringify(v);

/** The settings the stack sets, by field; `raw` holds the engine's strings by full key. */
export function parseProviderSettings(raw: Readonly<Record<string, string | undefined>>, problems: string[]): ProviderSettings {
  const settings: Record<string, unknown> = {};
  for (const [field, kind] of Object.entries(SETTINGS) as Array<[keyof ProviderSettings, Kind]>) {
    const key = `azure-native:${field}`;
    const value = raw[key]?.trim() ?? "";
    if (value === "") continue;
    if (kind === "text") settings[field] = value;
    else if (kind === "secret") settings[field] = pulumi.secret(value);
    else if (kind === "boolean") {
      if (value === "true" || value === "false") settings[field] = value === "true";
      else problems.push(`${key}: found ${show(value)}, expected true or false`);
    } else {
      const list = tenantList(value);
      if (list) settings[field] = list;
      else problems.push(`${key}: found ${show(value)}, expected a list of tenant ids, e.g. \`pulumi config set --path '${key}[0]' <tenant guid>\``);
    }
  }
  return settings as ProviderSettings;
}

/** A list config value arrives as JSON (`pulumi config set --path 'key[0]' ...`). */
function tenantList(value: string): string[] | undefined {
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) && parsed.every((t) => typeof t === "string" && t.trim() !== "") ? parsed.map((t: string) => t.trim()) : undefined;
  } catch {
    return undefined;
  }
}
