// One request's worth of events for one intake. Each event is written into the body as it arrives,
// as bytes in a reused buffer (see BodyBuffers), and the body is gzipped once, when the batch is
// sealed: queued and in-flight batches hold their compressed body only, retries send it again as it
// is, and no event string outlives the read that made it.

import { gunzipSync } from "node:zlib";
import type { BodyBuffers } from "./body-buffers";
import type { GzipCompressor } from "./gzip-compressor";

export interface DeliveryOwner {
  /** Events numbered [from, to) of this owner were accepted by the intake (or dead-lettered). */
  acknowledge(from: number, to: number): void;
  fail(error: Error): void;
}

export interface Span {
  readonly owner: DeliveryOwner;
  readonly from: number;
  to: number;
}

const CLOSE = Buffer.from("]}");
const COMMA = 0x2c;

/** `{"intake_key":"…","jsons":[`, which every body of this key starts with. */
export function bodyHead(intakeKey: string): Buffer {
  return Buffer.from(`{"intake_key":${JSON.stringify(intakeKey)},"jsons":[`);
}

export class IntakeBatch {
  readonly spans: Span[] = [];
  /** Events in the batch. */
  size = 0;
  /** Bytes of the body once closed: at least its real size (each event is counted with a comma). */
  bytes: number;
  readonly createdAt = Date.now();
  private written: number;
  private compressed?: Promise<Buffer>;
  private released = false;

  constructor(
    private readonly head: Buffer,
    private readonly compressor: GzipCompressor,
    private buffer: Buffer,
    /** Where the buffer goes back once the body is compressed; none for a buffer of its own. */
    private readonly buffers?: BodyBuffers,
  ) {
    this.written = head.copy(buffer, 0);
    this.bytes = this.written + CLOSE.length;
  }

  /** Bytes the body grows by with this event (its quoted form plus a separating comma). */
  static cost(quotedEvent: string): number {
    return Buffer.byteLength(quotedEvent) + 1;
  }

  /** Adds an event quoted as it goes into the body (see DecodeOutput.event), numbered `seq` by its owner. */
  add(quotedEvent: string, cost: number, owner: DeliveryOwner, seq: number): void {
    if (this.compressed) throw new Error("IntakeBatch.add after seal");
    this.reserve(cost + CLOSE.length);
    if (this.size > 0) this.buffer[this.written++] = COMMA;
    this.written += this.buffer.write(quotedEvent, this.written, "utf8");
    this.size++;
    this.bytes += cost;
    const last = this.spans[this.spans.length - 1];
    if (last && last.owner === owner && last.to === seq) last.to = seq + 1;
    else this.spans.push({ owner, from: seq, to: seq + 1 });
  }

  /** Closes the body and compresses it (once); the buffer is released as soon as that is done. */
  seal(): Promise<Buffer> {
    if (this.released) throw new Error("IntakeBatch.seal after release");
    if (!this.compressed) {
      this.written += CLOSE.copy(this.buffer, this.written);
      const buffer = this.buffer;
      this.compressed = this.compressor.compress(buffer.subarray(0, this.written)).finally(() => this.buffers?.release(buffer));
      // Awaited by whoever sends the batch; a failure is theirs to report.
      this.compressed.catch(() => undefined);
    }
    return this.compressed;
  }

  /** The events as they were pushed (their JSON-string form, unquoted): for a 413 split and dead letters. */
  async events(): Promise<string[]> {
    const body = gunzipSync(await this.seal()).toString("utf8");
    return (JSON.parse(body) as { jsons: string[] }).jsons;
  }

  /** Two batches of about half the events each, keeping spans exact: for a 413. */
  async split(): Promise<[IntakeBatch, IntakeBatch]> {
    const events = await this.events();
    const half = Math.ceil(events.length / 2);
    // Each half is smaller than the whole; add() grows a buffer should re-quoting lengthen an event.
    const parts: [IntakeBatch, IntakeBatch] = [
      new IntakeBatch(this.head, this.compressor, Buffer.allocUnsafe(this.bytes)),
      new IntakeBatch(this.head, this.compressor, Buffer.allocUnsafe(this.bytes)),
    ];
    let index = 0;
    for (const span of this.spans) {
      for (let seq = span.from; seq < span.to; seq++, index++) {
        const quoted = JSON.stringify(events[index]);
        parts[index < half ? 0 : 1].add(quoted, IntakeBatch.cost(quoted), span.owner, seq);
      }
    }
    return parts;
  }

  /**
   * Gives the compressed body back to the compressor's pool: call once the batch is done with
   * (acknowledged, failed, dead-lettered or split), never while a request may still read the body.
   */
  release(): void {
    if (this.released) return;
    this.released = true;
    void this.compressed?.then(
      (body) => this.compressor.release(body),
      () => undefined,
    );
  }

  acknowledge(): void {
    for (const span of this.spans) span.owner.acknowledge(span.from, span.to);
  }

  fail(error: Error): void {
    for (const span of this.spans) span.owner.fail(error);
  }

  /** Makes room for `bytes` more; only an event larger than a whole pooled buffer needs it. */
  private reserve(bytes: number): void {
    if (this.written + bytes <= this.buffer.length) return;
    const larger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.written + bytes));
    this.buffer.copy(larger, 0, 0, this.written);
    this.buffers?.release(this.buffer);
    this.buffer = larger;
  }
}
