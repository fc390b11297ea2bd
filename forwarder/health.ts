// Readiness as the sum of what the forwarder last saw of its dependencies, and the HTTP server that
// exposes it (/readyz), liveness (/healthz) and the Prometheus metrics (/metrics).

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ForwarderMetrics } from "./metrics";

export type Dependency = "storage" | "checkpoints" | "intake";

export class HealthState {
  private readonly problems = new Map<Dependency, string>();

  ok(dependency: Dependency): void {
    this.problems.delete(dependency);
  }

  fail(dependency: Dependency, problem: string): void {
    this.problems.set(dependency, problem);
  }

  failing(dependency: Dependency): boolean {
    return this.problems.has(dependency);
  }

  get ready(): boolean {
    return this.problems.size === 0;
  }

  report(): Record<string, string> {
    const report: Record<string, string> = { storage: "ok", checkpoints: "ok", intake: "ok" };
    for (const [dependency, problem] of this.problems) report[dependency] = problem;
    return report;
  }
}

export async function startHealthServer(port: number, health: HealthState, metrics: ForwarderMetrics): Promise<Server> {
  const server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    if (request.method !== "GET") {
      response.writeHead(405).end();
    } else if (path === "/healthz") {
      response.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
    } else if (path === "/readyz") {
      response
        .writeHead(health.ready ? 200 : 503, { "content-type": "application/json" })
        .end(JSON.stringify({ ready: health.ready, ...health.report() }) + "\n");
    } else if (path === "/metrics") {
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
