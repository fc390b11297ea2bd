// One request's worth of events for one intake: the events already in their JSON-string form, the
// positions they came from, and the byte count of the body they will make.

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

/** `{"intake_key":"…","jsons":[` … `]}` around the quoted events. */
export function bodyOverhead(intakeKey: string): number {
  return Buffer.byteLength(JSON.stringify({ intake_key: intakeKey, jsons: [] }));
}

export class IntakeBatch {
  readonly quoted: string[] = [];
  readonly spans: Span[] = [];
  bytes: number;
  readonly createdAt = Date.now();

  constructor(private readonly overhead: number) {
    this.bytes = overhead;
  }

  /** Bytes the body grows by with this event (its quoted form plus a separating comma). */
  static cost(quotedEvent: string): number {
    return Buffer.byteLength(quotedEvent) + 1;
  }

  add(quotedEvent: string, cost: number, owner: DeliveryOwner, seq: number): void {
    this.quoted.push(quotedEvent);
    this.bytes += cost;
    const last = this.spans[this.spans.length - 1];
    if (last && last.owner === owner && last.to === seq) last.to = seq + 1;
    else this.spans.push({ owner, from: seq, to: seq + 1 });
  }

  get size(): number {
    return this.quoted.length;
  }

  body(intakeKey: string): string {
    return `{"intake_key":${JSON.stringify(intakeKey)},"jsons":[${this.quoted.join(",")}]}`;
  }

  /** Two batches of about half the events each, keeping spans exact: for a 413. */
  split(): [IntakeBatch, IntakeBatch] {
    const half = Math.ceil(this.quoted.length / 2);
    const parts: [IntakeBatch, IntakeBatch] = [new IntakeBatch(this.overhead), new IntakeBatch(this.overhead)];
    let index = 0;
    for (const span of this.spans) {
      for (let seq = span.from; seq < span.to; seq++, index++) {
        const quoted = this.quoted[index];
        parts[index < half ? 0 : 1].add(quoted, IntakeBatch.cost(quoted), span.owner, seq);
      }
    }
    return parts;
  }

  acknowledge(): void {
    for (const span of this.spans) span.owner.acknowledge(span.from, span.to);
  }

  fail(error: Error): void {
    for (const span of this.spans) span.owner.fail(error);
  }
}
