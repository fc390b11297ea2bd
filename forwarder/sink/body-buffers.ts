// The buffers request bodies are written into, reused batch after batch: one pool for the events as
// they are written, one for the compressed bodies waiting to be sent. A body in a long-lived buffer
// leaves no garbage behind. Bodies made afresh for each batch were garbage V8 collects late: the
// compressed ones live until the intake answers, so they reach the old generation, and (without a
// heap cap) tens of megabytes of them piled up before a full collection. How many buffers exist is
// bounded by the sink (see SekoiaSink).

export class BodyBuffers {
  private readonly free: Buffer[] = [];
  /** Backing stores this pool made, and of those the ones now free: a buffer given back twice would be handed out twice. */
  private readonly made = new WeakSet<ArrayBufferLike>();
  private readonly freed = new WeakSet<ArrayBufferLike>();

  constructor(
    /** Bytes of each buffer: the largest body a batch builds (a larger one gets a buffer of its own). */
    readonly capacity: number,
    /** Free buffers kept for reuse; one given back beyond that is left to the garbage collector. */
    private readonly keep: number,
  ) {}

  take(): Buffer {
    const buffer = this.free.pop();
    if (buffer) {
      this.freed.delete(buffer.buffer);
      return buffer;
    }
    const made = Buffer.allocUnsafeSlow(this.capacity);
    this.made.add(made.buffer);
    return made;
  }

  /** Gives back a buffer of this pool, or a view into one; any other buffer is ignored. */
  release(buffer: Buffer): void {
    const store = buffer.buffer;
    if (!this.made.has(store)) return;
    if (this.freed.has(store)) throw new Error("BodyBuffers.release: a buffer was given back twice");
    if (this.free.length >= this.keep) return;
    this.freed.add(store);
    this.free.push(Buffer.from(store, 0, this.capacity));
  }
}
