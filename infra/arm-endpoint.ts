// The Azure Resource Manager endpoint scope selections are listed from: the one of the cloud in
// `azure-native:environment`, or `armEndpoint` when set (a private endpoint, or a loopback stand-in
// in tests). The token listing sends goes nowhere else, so plain http is refused except on loopback.

/** ARM of each cloud azure-native's `environment` names. */
export const ARM_ENDPOINTS: Readonly<Record<string, string>> = {
  public: "https://management.azure.com",
  usgovernment: "https://management.usgovcloudapi.net",
  china: "https://management.chinacloudapi.cn",
};

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);
const show = (v: unknown): string => JSON.stringify(v);

/** The endpoint without trailing slash; appends a problem naming the key when invalid. */
export function parseArmEndpoint(environment: string | undefined, override: string, problems: string[]): string {
  const cloud = environment?.trim().toLowerCase() || "public";
  const fromCloud = ARM_ENDPOINTS[cloud];
  if (fromCloud === undefined) {
    problems.push(`azure-native:environment: found ${show(environment)}, expected one of ${Object.keys(ARM_ENDPOINTS).join(", ")} (default public)`);
  }
  if (override === "") return fromCloud ?? ARM_ENDPOINTS.public;
  const expected = `an https:// URL of Azure Resource Manager such as ${ARM_ENDPOINTS.public} (http only on a loopback address), or nothing for the cloud's own`;
  let url: URL;
  try {
    url = new URL(override);
  } catch {
    problems.push(`armEndpoint: found ${show(override)}, expected ${expected}`);
    return "";
  }
  const allowed = url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK.has(url.hostname));
  if (!allowed || url.search !== "" || url.hash !== "" || url.username !== "") {
    problems.push(`armEndpoint: found ${show(override)}, expected ${expected}`);
    return "";
  }
  return url.toString().replace(/\/+$/, "");
}
