// The buffers request bodies are written into, reused batch after batch. A body written into a
// long-lived buffer leaves no garbage behind; the same bytes kept as event strings until the intake
// answered would reach V8's old generation, where (without a heap cap) garbage piles up for hundreds
// of megabytes before a full collection. How many exist is bounded by the sink: one per open batch
// and one per batch being compressed, which backpressure bounds.

export class BodyBuffers {
  private readonly free: Buffer[] = [];

  constructor(
    /** Bytes of each buffer: the largest body a batch builds (a larger event gets a buffer of its own). */
    readonly capacity: number,
    /** Free buffers kept for reuse; one released beyond that is left to the garbage collector. */
    private readonly keep: number,
  ) {}

  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.capacity);
  }

  release(buffer: Buffer): void {
    if (buffer.length === this.capacity && this.free.length < this.keep) this.free.push(buffer);
  }
}
