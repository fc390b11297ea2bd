// infra/local-vnet-lister.ts: npm run plan signs in where the stack's cloud does (a US Government or
// China ARM only accepts tokens of its own Entra ID).
import { describe, expect, it } from "vitest";
import { authorityHost } from "../../../infra/plan/local-vnet-lister";

describe("authorityHost", () => {
  it.each([
    ["https://management.azure.com", "https://login.microsoftonline.com"],
    ["https://management.usgovcloudapi.net", "https://login.microsoftonline.us"],
    ["https://management.chinacloudapi.cn", "https://login.chinacloudapi.cn"],
    ["http://127.0.0.1:4567", "https://login.microsoftonline.com"],
  ])("of %s is %s", (endpoint, host) => {
    expect(authorityHost(endpoint)).toBe(host);
  });
});
