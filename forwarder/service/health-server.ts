// The HTTP server on the health port: liveness, readiness (what Readiness last saw of each dependency)
// and the Prometheus metrics, on the paths the Container App's probes call (contract.ts).

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { HEALTH_PATHS } from "../contract";
import type { ForwarderMetrics } from "../metrics";
import type { Readiness } from "../poll/readiness";

export async function startHealthServer(port: number, readiness: Readiness, metrics: ForwarderMetrics): Promise<Server> {
  const server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    if (request.method !== "GET") {
      response.writeHead(405).end();
    } else if (path === HEALTH_PATHS.liveness) {
      response.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
    } else if (path === HEALTH_PATHS.readiness) {
      response
        .writeHead(readiness.ready ? 200 : 503, { "content-type": "application/json" })
        .end(JSON.stringify({ ready: readiness.ready, ...readiness.report() }) + "\n");
    } else if (path === HEALTH_PATHS.metrics) {
      metrics.registry.metrics().then(
        (text) => response.writeHead(200, { "content-type": metrics.registry.contentType }).end(text),
        () => response.writeHead(500).end(),
      );
    } else {
      response.writeHead(404).end();
    }
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, () => resolve());
  });
  return server;
}

export function serverPort(server: Server): number {
  return (server.address() as AddressInfo).port;
}
