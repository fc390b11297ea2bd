// A TCP proxy in front of Azurite that counts what the forwarder asks of storage and what storage sends
// back: requests (HTTP/1.1 request lines) and response bytes on the wire, headers and listings included.
// This is the storage-side view of read amplification, independent of the forwarder's own metrics.

import { connect, createServer, type Server, type Socket } from "node:net";

const REQUEST_LINE = /(?:^|\r\n)(?:GET|PUT|HEAD|POST|DELETE) \/\S* HTTP\/1\.1\r\n/g;

export class StorageProxy {
  requests = 0;
  responseBytes = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number): Promise<StorageProxy> {
    let proxy!: StorageProxy;
    const server = createServer((client) => {
      const upstream = connect(targetPort, "127.0.0.1");
      proxy.sockets.add(client).add(upstream);
      client.on("data", (chunk: Buffer) => {
        proxy.requests += chunk.toString("latin1").match(REQUEST_LINE)?.length ?? 0;
      });
      upstream.on("data", (chunk: Buffer) => (proxy.responseBytes += chunk.length));
      client.pipe(upstream).pipe(client);
      const close = () => {
        client.destroy();
        upstream.destroy();
        proxy.sockets.delete(client);
        proxy.sockets.delete(upstream);
      };
      client.on("error", close).on("close", close);
      upstream.on("error", close).on("close", close);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    proxy = new StorageProxy(server, (server.address() as { port: number }).port);
    return proxy;
  }

  /** Rewrites an Azurite URL to go through the proxy. */
  route(url: string, azuritePort: number): string {
    return url.replace(`127.0.0.1:${azuritePort}/`, `127.0.0.1:${this.port}/`);
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
