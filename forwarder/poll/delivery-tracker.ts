// Turns out-of-order acknowledgements of numbered events into the furthest position of a blob up to
// which every event is delivered. Events are numbered in read order from the position reading
// started at; boundaries tie event numbers to block positions as the reader passes them.

import type { DeliveryOwner } from "../sink/intake-batch";
import type { BlobPosition } from "../source/blob-position";

interface Boundary {
  /** Number of the first event read after this position. */
  readonly seq: number;
  readonly position: BlobPosition;
}

export class DeliveryTracker implements DeliveryOwner {
  private next = 0;
  private delivered = 0;
  /** Acknowledged ranges beyond `delivered`, keyed by their start. */
  private readonly ahead = new Map<number, number>();
  private boundaries: Boundary[];
  private reading = true;
  private failure?: Error;
  private settle?: { resolve: () => void; reject: (error: Error) => void };

  constructor(
    start: BlobPosition,
    /** Called with each new furthest delivered position. */
    private readonly onProgress: (position: BlobPosition) => void,
  ) {
    this.boundaries = [{ seq: 0, position: start }];
  }

  /** The reader reached `position`; the next event it takes is read after it. */
  mark(position: BlobPosition): void {
    this.boundaries.push({ seq: this.next, position });
  }

  /** Numbers the next event read. */
  take(): number {
    return this.next++;
  }

  get taken(): number {
    return this.next;
  }

  acknowledge(from: number, to: number): void {
    if (from !== this.delivered) {
      this.ahead.set(from, to);
      return;
    }
    this.delivered = to;
    for (let end = this.ahead.get(this.delivered); end !== undefined; end = this.ahead.get(this.delivered)) {
      this.ahead.delete(this.delivered);
      this.delivered = end;
    }
    this.onProgress(this.position());
    this.trySettle();
  }

  fail(error: Error): void {
    this.failure ??= error;
    this.trySettle();
  }

  get failed(): Error | undefined {
    return this.failure;
  }

  /** Reading ended (all events are taken); `settled` resolves once they are all delivered. */
  finishReading(): Promise<void> {
    this.reading = false;
    const settled = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    this.trySettle();
    return settled;
  }

  /** The furthest position up to which every event is delivered. */
  position(): BlobPosition {
    let index = 0;
    while (index + 1 < this.boundaries.length && this.boundaries[index + 1].seq <= this.delivered) index++;
    // Positions behind the delivered one are never needed again.
    if (index > 0) this.boundaries = this.boundaries.slice(index);
    return this.positionOf(this.delivered);
  }

  /** The position just after the last event taken: where reading would go on. */
  readPosition(): BlobPosition {
    return this.positionOf(this.next);
  }

  private positionOf(seq: number): BlobPosition {
    let index = 0;
    while (index + 1 < this.boundaries.length && this.boundaries[index + 1].seq <= seq) index++;
    const boundary = this.boundaries[index];
    return seq === boundary.seq ? boundary.position : { ...boundary.position, skip: boundary.position.skip + (seq - boundary.seq) };
  }

  get complete(): boolean {
    return !this.reading && this.delivered === this.next && this.failure === undefined;
  }

  private trySettle(): void {
    if (!this.settle) return;
    if (this.failure) this.settle.reject(this.failure);
    else if (this.delivered === this.next) {
      this.onProgress(this.position());
      this.settle.resolve();
    } else return;
    this.settle = undefined;
  }
}
