// Parses a blob container URL as operators give it (host-style Azure or path-style Azurite, with or
// without a SAS) into the parts the forwarder needs, keeping the SAS apart so it is never printed.

import { ContainerUrlError } from "../errors";

export interface ContainerLocation {
  /** Container URL without query string: safe to log. */
  readonly url: string;
  readonly account: string;
  readonly container: string;
  /** The SAS query string (without `?`), absent when the managed identity is used. */
  readonly sas?: string;
}

const CONTAINER_NAME = /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

function isPathStyleHost(hostname: string): boolean {
  return IPV4.test(hostname) || hostname === "localhost" || hostname.startsWith("[");
}

export function parseContainerUrl(raw: string): ContainerLocation {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ContainerUrlError("is not a URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ContainerUrlError(`uses ${url.protocol.replace(":", "")}, not https`);
  }
  const segments = url.pathname.split("/").filter((s) => s.length > 0);
  const pathStyle = isPathStyleHost(url.hostname);
  const account = pathStyle ? segments[0] : url.hostname.split(".")[0];
  const container = pathStyle ? segments[1] : segments[0];
  const expectedSegments = pathStyle ? 2 : 1;
  if (!account || !container || segments.length !== expectedSegments) {
    throw new ContainerUrlError(pathStyle ? "does not name exactly /<account>/<container>" : "does not name exactly one container in its path");
  }
  if (!CONTAINER_NAME.test(container)) {
    // The name is echoed only when it cannot hold a SAS pasted without its `?`.
    const shown = /[=&]/.test(container) ? "a container" : `"${container}"`;
    throw new ContainerUrlError(`names ${shown}, which is not a valid container name`);
  }
  const sas = url.search.length > 1 ? url.search.slice(1) : undefined;
  if (sas !== undefined && !new URLSearchParams(sas).has("sig")) {
    throw new ContainerUrlError("has a query string that is not a SAS (no sig parameter)");
  }
  url.search = "";
  url.hash = "";
  return { url: url.toString().replace(/\/$/, ""), account, container, sas };
}
