// What decoding reports: an event string per flow tuple, or a malformed item with its reason. The
// decoders do no I/O; the caller decides what an event or a malformed item becomes.

export type MalformedReason =
  | "invalid_document"
  | "invalid_json"
  | "invalid_record"
  | "unknown_version"
  | "kind_mismatch"
  | "invalid_tuple"
  | "event_too_large";

export interface DecodeOutput {
  event(json: string): void;
  /** `item` is the offending input as text, kept for the dead-letter record. */
  malformed(reason: MalformedReason, detail: string, item: string): void;
}

/** Sekoia rejects events over 250 KB (its SDK counts 250,000 bytes). */
export const MAX_EVENT_BYTES = 250_000;

export function fitsIntake(event: string): boolean {
  // A UTF-16 unit never encodes to more than 3 bytes, so short strings need no byte count.
  return event.length * 3 <= MAX_EVENT_BYTES || Buffer.byteLength(event) <= MAX_EVENT_BYTES;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function countFields(tuple: string): number {
  let fields = 1;
  for (let i = tuple.indexOf(","); i !== -1; i = tuple.indexOf(",", i + 1)) fields++;
  return fields;
}

/**
 * Emits one event per tuple: `prefix` holds the record- and group-level fields serialized once, the
 * tuple goes verbatim into `flow.0`, and `suffix` closes the object.
 */
export function emitTuples(
  tuples: unknown,
  expectedFields: number,
  prefix: string,
  suffix: string,
  out: DecodeOutput,
  where: string,
): void {
  if (!Array.isArray(tuples)) {
    out.malformed("invalid_record", `${where}: flowTuples is not an array`, JSON.stringify(tuples) ?? "undefined");
    return;
  }
  for (const tuple of tuples) {
    if (typeof tuple !== "string" || countFields(tuple) !== expectedFields) {
      const found = typeof tuple === "string" ? `${countFields(tuple)} fields` : typeof tuple;
      out.malformed("invalid_tuple", `${where}: tuple has ${found}, expected ${expectedFields} fields`, JSON.stringify(tuple) ?? "undefined");
      continue;
    }
    const event = prefix + JSON.stringify(tuple) + suffix;
    if (fitsIntake(event)) out.event(event);
    else out.malformed("event_too_large", `${where}: event of ${Buffer.byteLength(event)} bytes exceeds ${MAX_EVENT_BYTES}`, tuple);
  }
}
