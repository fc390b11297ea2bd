// A loopback HTTP proxy in front of Azurite that can hold the download of one blob until the test
// lets it through: the way to delete a blob deterministically while the forwarder is reading it. It
// can also refuse requests as storage does while a role assignment propagates (403).

import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";

interface Hold {
  readonly blobName: string;
  readonly arrived: Promise<void>;
  readonly arrive: () => void;
  readonly released: Promise<void>;
  readonly release: () => void;
}

export class StorageProxy {
  private server?: Server;
  private hold?: Hold;
  private refusals = 0;
  /** Requests answered 403 so far. */
  refused = 0;
  port = 0;

  constructor(private readonly upstreamPort: () => number) {}

  static async start(upstreamPort: () => number): Promise<StorageProxy> {
    const proxy = new StorageProxy(upstreamPort);
    proxy.server = createServer((req, res) => void proxy.forward(req, res));
    await new Promise<void>((resolve) => proxy.server!.listen(0, "127.0.0.1", () => resolve()));
    proxy.port = (proxy.server.address() as { port: number }).port;
    return proxy;
  }

  /** `url` (a container SAS URL on Azurite) as seen through the proxy. */
  through(url: string): string {
    const parsed = new URL(url);
    parsed.port = String(this.port);
    return parsed.toString();
  }

  /** Holds the next ranged download of `blobName`; resolves once it arrives, with a function that lets it go on. */
  holdDownload(blobName: string): { arrived: Promise<void>; release: () => void } {
    let arrive!: () => void;
    let release!: () => void;
    const arrived = new Promise<void>((resolve) => (arrive = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    this.hold = { blobName, arrived, arrive, released, release };
    return { arrived, release };
  }

  /** Answers the next `count` requests 403 AuthorizationPermissionMismatch, as Azure Storage does. */
  refuse(count: number): void {
    this.refusals = count;
  }

  async stop(): Promise<void> {
    this.hold?.release();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.refusals > 0) {
      this.refusals--;
      this.refused++;
      req.resume();
      const body =
        '<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthorizationPermissionMismatch</Code>' +
        "<Message>This request is not authorized to perform this operation using this permission.</Message></Error>";
      res.writeHead(403, { "content-type": "application/xml", "x-ms-error-code": "AuthorizationPermissionMismatch" }).end(body);
      return;
    }
    const hold = this.hold;
    const path = decodeURIComponent((req.url ?? "").split("?")[0]);
    if (hold && req.method === "GET" && req.headers["x-ms-range"] && path.endsWith(hold.blobName)) {
      this.hold = undefined;
      hold.arrive();
      await hold.released;
    }
    const upstream = request({ host: "127.0.0.1", port: this.upstreamPort(), method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    // Storage down: the client sees its connection dropped, as with a dead endpoint.
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  }
}
