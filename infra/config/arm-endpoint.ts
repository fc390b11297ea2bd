// The Azure Resource Manager endpoint scope selections are listed from: the one of the cloud in
// `azure-native:environment`, or `armEndpoint` when set. The deploying identity's token is sent
// there, so only the clouds' own endpoints are accepted, and a plain-http loopback address for
// tests (a loopback stand-in of ARM).

/** ARM of each cloud azure-native's `environment` names. */
export const ARM_ENDPOINTS = {
  public: "https://management.azure.com",
  usgovernment: "https://management.usgovcloudapi.net",
  china: "https://management.chinacloudapi.cn",
} as const;

export type Cloud = keyof typeof ARM_ENDPOINTS;

/** Login-server suffix of Azure Container Registry in each cloud (`<name>.azurecr.io` in the public one). */
export const REGISTRY_SUFFIXES: Readonly<Record<Cloud, string>> = {
  public: "azurecr.io",
  usgovernment: "azurecr.us",
  china: "azurecr.cn",
};

/**
 * Entra ID audience of Azure Container Registry tokens, the same in every cloud. A token of ARM's
 * audience is refused by registries where "ARM audience token authentication" is disabled (the
 * built-in policies "Configure container registries to disable ARM audience token authentication").
 */
export const REGISTRY_AUDIENCE = "https://containerregistry.azure.net";

/** Blob endpoint suffix of each cloud (`<account>.blob.<suffix>`): private endpoints' DNS zone is `privatelink.blob.<suffix>`. */
export const STORAGE_SUFFIXES: Readonly<Record<Cloud, string>> = {
  public: "core.windows.net",
  usgovernment: "core.usgovcloudapi.net",
  china: "core.chinacloudapi.cn",
};

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);
const show = (v: unknown): string => JSON.stringify(v);
const isCloud = (name: string): name is Cloud => Object.hasOwn(ARM_ENDPOINTS, name);

/** The cloud `azure-native:environment` names (default public; an unknown one is reported by parseArmEndpoint). */
export function cloudOf(environment: string | undefined): Cloud {
  const cloud = environment?.trim().toLowerCase() || "public";
  return isCloud(cloud) ? cloud : "public";
}

/** The endpoint without trailing slash; appends a problem naming the key when invalid. */
export function parseArmEndpoint(environment: string | undefined, override: string, problems: string[]): string {
  const cloud = environment?.trim().toLowerCase() || "public";
  if (!isCloud(cloud)) {
    problems.push(`azure-native:environment: found ${show(environment)}, expected one of ${Object.keys(ARM_ENDPOINTS).join(", ")} (default public)`);
  }
  const fromCloud = isCloud(cloud) ? ARM_ENDPOINTS[cloud] : ARM_ENDPOINTS.public;
  if (override === "") return fromCloud;
  let url: URL | undefined;
  try {
    url = new URL(override);
  } catch {
    url = undefined;
  }
  const known = (Object.values(ARM_ENDPOINTS) as string[]).includes(url?.origin ?? "");
  const loopback = url?.protocol === "http:" && LOOPBACK.has(url.hostname);
  if (!url || !(known || loopback) || url.pathname !== "/" || url.search !== "" || url.hash !== "" || url.username !== "") {
    problems.push(
      `armEndpoint: found ${show(override)}, expected one of ${Object.values(ARM_ENDPOINTS).join(", ")}, ` +
        "an http:// loopback address (a test stand-in), or nothing for the endpoint of azure-native:environment",
    );
    return "";
  }
  return url.origin;
}
