// parseContainerUrl: host-style Azure and path-style Azurite container URLs, with or without a SAS,
// split into account, container and SAS; the SAS never stays in the loggable URL, and a URL that does
// not name exactly one container is refused with the reason.

import { describe, expect, it } from "vitest";
import { ContainerUrlError } from "../../../forwarder/errors";
import { parseContainerUrl } from "../../../forwarder/source/container-location";

const SAS = "sv=2022-11-02&sr=c&sp=rl&se=2030-01-01T00%3A00%3A00Z&sig=c2VjcmV0LXNpZ25hdHVyZQ%3D%3D";

describe("parseContainerUrl", () => {
  it("parses a host-style Azure URL with a SAS, keeping the SAS out of the URL", () => {
    expect(parseContainerUrl(`https://flowlogs01.blob.core.windows.net/insights-logs-flowlogflowevent?${SAS}`)).toEqual({
      url: "https://flowlogs01.blob.core.windows.net/insights-logs-flowlogflowevent",
      account: "flowlogs01",
      container: "insights-logs-flowlogflowevent",
      sas: SAS,
    });
  });

  it("parses a path-style Azurite URL", () => {
    expect(parseContainerUrl(`http://127.0.0.1:10000/devstoreaccount1/checkpoints?${SAS}`)).toEqual({
      url: "http://127.0.0.1:10000/devstoreaccount1/checkpoints",
      account: "devstoreaccount1",
      container: "checkpoints",
      sas: SAS,
    });
    expect(parseContainerUrl("http://localhost:10000/devstoreaccount1/checkpoints").account).toBe("devstoreaccount1");
  });

  it("has no SAS without a query string (managed identity), and drops a trailing slash", () => {
    const location = parseContainerUrl("  https://acct.blob.core.windows.net/insights-logs-networksecuritygroupflowevent/  ");
    expect(location.sas).toBeUndefined();
    expect(location.url).toBe("https://acct.blob.core.windows.net/insights-logs-networksecuritygroupflowevent");
  });

  it.each([
    ["not a URL", "not a url"],
    ["a non-http scheme", "ftp://acct.blob.core.windows.net/container"],
    ["no container", "https://acct.blob.core.windows.net/"],
    ["a blob path", "https://acct.blob.core.windows.net/container/some/blob.json"],
    ["a path-style URL without a container", "http://127.0.0.1:10000/devstoreaccount1"],
    ["an invalid container name", "https://acct.blob.core.windows.net/Bad_Name"],
    ["a double hyphen", "https://acct.blob.core.windows.net/bad--name"],
    ["a query string without sig", "https://acct.blob.core.windows.net/container?sv=2022-11-02&sp=rl"],
  ])("refuses %s", (_what, raw) => {
    expect(() => parseContainerUrl(raw)).toThrow(ContainerUrlError);
  });

  it("does not repeat the SAS in its error messages", () => {
    const error = (() => {
      try {
        parseContainerUrl(`https://acct.blob.core.windows.net/a/b?${SAS}`);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error).toBeInstanceOf(ContainerUrlError);
    expect(error!.message).not.toContain("c2VjcmV0");
  });
});
