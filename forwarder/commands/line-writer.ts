// Writes lines to a stream in large chunks, waiting when the reader is slower (a pipe to `head` or
// `jq`), and treats a reader that went away (EPIPE) as the end of output rather than as an error.

const CHUNK_BYTES = 64 * 1024;

export class LineWriter {
  private buffer: string[] = [];
  private buffered = 0;
  private closed = false;

  constructor(private readonly stream: NodeJS.WritableStream) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE") throw error;
      this.closed = true;
    });
  }

  line(text: string): void {
    if (this.closed) return;
    this.buffer.push(text);
    this.buffered += text.length + 1;
  }

  /** Writes what is buffered once it is worth a write, and waits while the stream is full. */
  async drained(): Promise<void> {
    if (this.buffered >= CHUNK_BYTES) await this.flush();
  }

  async end(): Promise<void> {
    await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.closed || this.buffer.length === 0) return;
    const text = this.buffer.join("\n") + "\n";
    this.buffer = [];
    this.buffered = 0;
    await new Promise<void>((resolve) => {
      if (this.stream.write(text)) resolve();
      else this.stream.once("drain", resolve);
    });
  }
}
