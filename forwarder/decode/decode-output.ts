// What decoding reports: an event per flow tuple, or a malformed item with its reason. The decoders do
// no I/O; the caller decides what an event or a malformed item becomes.

export type MalformedReason =
  "invalid_document" | "invalid_json" | "invalid_record" | "unknown_version" | "kind_mismatch" | "invalid_tuple" | "event_too_large";

export interface DecodeOutput {
  /**
   * One event, as the JSON string literal that stands for it in the intake body's `jsons` array: the
   * event object serialized, then quoted (`JSON.parse` once gives the event's JSON text). Decoders
   * build it quoted directly, so the hot path never serializes an event twice.
   */
  event(quoted: string): void;
  /** `item` is the offending input as text, kept for the dead-letter record. */
  malformed(reason: MalformedReason, detail: string, item: string): void;
}

/** Sekoia rejects events over 250 KB (its SDK counts 250,000 bytes). */
export const MAX_EVENT_BYTES = 250_000;

/** The event's size in bytes, from its quoted form. */
function eventBytes(quoted: string): number {
  // The quoted form is never shorter than the event and a UTF-16 unit never encodes to more than 3
  // bytes, so short events need no count.
  return quoted.length * 3 <= MAX_EVENT_BYTES ? 0 : Buffer.byteLength(JSON.parse(quoted) as string);
}

/** Characters that Azure's tuples are made of and that JSON never escapes. */
const PLAIN_TUPLE = /^[\w.,:-]*$/;

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
 * tuple goes verbatim into `flow.0`, and `suffix` closes the object. Both are quoted once per group;
 * a tuple of plain characters then needs no escaping of its own.
 */
export function emitTuples(tuples: unknown, expectedFields: number, prefix: string, suffix: string, out: DecodeOutput, where: string): void {
  if (!Array.isArray(tuples)) {
    out.malformed("invalid_record", `${where}: flowTuples is not an array`, JSON.stringify(tuples) ?? "undefined");
    return;
  }
  const quotedPrefix = `${JSON.stringify(prefix).slice(0, -1)}\\"`;
  const quotedSuffix = `\\"${JSON.stringify(suffix).slice(1)}`;
  for (const tuple of tuples) {
    if (typeof tuple !== "string" || countFields(tuple) !== expectedFields) {
      const found = typeof tuple === "string" ? `${countFields(tuple)} fields` : typeof tuple;
      out.malformed("invalid_tuple", `${where}: tuple has ${found}, expected ${expectedFields} fields`, JSON.stringify(tuple) ?? "undefined");
      continue;
    }
    const quoted = PLAIN_TUPLE.test(tuple) ? quotedPrefix + tuple + quotedSuffix : JSON.stringify(prefix + JSON.stringify(tuple) + suffix);
    const bytes = eventBytes(quoted);
    if (bytes <= MAX_EVENT_BYTES) out.event(quoted);
    else out.malformed("event_too_large", `${where}: event of ${bytes} bytes exceeds ${MAX_EVENT_BYTES}`, tuple);
  }
}
