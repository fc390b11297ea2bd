// Gzips request bodies one after another through one long-lived zlib stream, reset between bodies,
// into buffers of a pool. A zlib stream allocates about 400 KB of state; one per body (zlib.gzip) made
// and freed a thousand of them per 100 MB of flow logs, and glibc kept the freed memory: peak RSS
// followed the input.

import { constants, createGzip, type Gzip, type ZlibReset } from "node:zlib";
import type { BodyBuffers } from "./body-buffers";

export class GzipCompressor {
  // reset() is documented for every deflate stream; @types/node leaves it off Gzip.
  private readonly stream = createGzip({ level: constants.Z_BEST_SPEED }) as Gzip & ZlibReset;
  private readonly output: Buffer[] = [];
  /** The body being compressed: the next one starts only once it is done, so that reset() is safe. */
  private last: Promise<unknown> = Promise.resolve();

  /** `into`: where compressed bodies are written; give each back with `into.release` once sent. */
  constructor(private readonly into: BodyBuffers) {
    this.stream.on("data", (chunk: Buffer) => this.output.push(chunk));
  }

  /**
   * A complete gzip member holding `body`, in a buffer of `into` (or of its own when larger); `body`
   * is read until the promise settles.
   */
  compress(body: Buffer): Promise<Buffer> {
    const compressed = this.last.then(
      () =>
        new Promise<Buffer>((resolve, reject) => {
          this.stream.once("error", reject);
          this.stream.write(body);
          this.stream.flush(constants.Z_FINISH, () => {
            this.stream.off("error", reject);
            const chunks = this.output.splice(0);
            const length = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
            const member = length <= this.into.capacity ? this.into.take().subarray(0, length) : Buffer.allocUnsafe(length);
            let at = 0;
            for (const chunk of chunks) at += chunk.copy(member, at);
            this.stream.reset();
            resolve(member);
          });
        }),
    );
    this.last = compressed.catch(() => undefined);
    return compressed;
  }

  /** Gives back a body `compress` made, once it is no longer sent. */
  release(member: Buffer): void {
    this.into.release(member);
  }

  close(): void {
    this.stream.close();
  }
}
