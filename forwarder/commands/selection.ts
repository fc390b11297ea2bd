// When what an operator command was asked about (a range of hours, a --target) selects nothing, the
// command says so on stderr, with what it looked at and what exists, and exits NOTHING_SELECTED:
// "everything selected was delivered", or an empty table, would be true of nothing and answer a
// question nobody asked (a mistyped id, a range where the blobs are not).

import { rootResourceId } from "./resource-target";
import type { HourBlob, HourRange } from "./blob-listing";

/** Exit code of `replay` and `status` when their selection holds nothing: distinct from failure (1) and usage (2). */
export const NOTHING_SELECTED_EXIT = 3;

/** Resources named in a warning before "and n more". */
const SHOWN = 5;

function instant(ms: number): string {
  return new Date(ms).toISOString();
}

function formatRange(range: HourRange): string {
  return `[${instant(range.fromHour)}, ${instant(range.untilHour)})`;
}

/**
 * What the sources hold, summed as each is listed: the "what exists" of a warning, without keeping a
 * listing that may run to tens of thousands of blobs.
 */
export class Holdings {
  sources = 0;
  blobs = 0;
  private firstHour = Infinity;
  private lastHour = -Infinity;

  /** One source's whole listing. */
  add(blobs: readonly HourBlob[]): void {
    this.sources++;
    this.blobs += blobs.length;
    for (const blob of blobs) {
      this.firstHour = Math.min(this.firstHour, blob.hour);
      this.lastHour = Math.max(this.lastHour, blob.hour);
    }
  }

  /** "the 2 source(s) of FLOWLOG_SOURCES hold 6 blob(s), of the hours from A to B" */
  describe(): string {
    const of = `the ${this.sources} source(s) of FLOWLOG_SOURCES`;
    if (this.blobs === 0) return `${of} hold no flow-log blob at all`;
    return `${of} hold ${this.blobs} blob(s), of the hours from ${instant(this.firstHour)} to ${instant(this.lastHour)}`;
  }
}

function someOf(ids: readonly string[]): string {
  const shown = ids.slice(0, SHOWN).join(", ");
  return ids.length > SHOWN ? `${shown} and ${ids.length - SHOWN} more` : shown;
}

/** The range holds no blob; `options` are those that choose the range, for the hint. */
export function emptyRangeWarning(range: HourRange, holdings: Holdings, options: string): string {
  return [
    `Nothing selected: no blob has an hour partition in ${formatRange(range)}; ${holdings.describe()}.`,
    holdings.blobs > 0 ? `Choose ${options} so that the range holds some of these hours.` : undefined,
  ]
    .filter((line) => line !== undefined)
    .join("\n");
}

export interface TargetMiss {
  readonly target: string;
  readonly range: HourRange;
  readonly sources: number;
  /** The blobs of the range that were looked at. */
  readonly blobs: readonly HourBlob[];
  /** Records read from the blobs whose path does not name their target (VNet), and the resources they named. */
  readonly recordsRead: number;
  readonly recordResources: readonly string[];
}

/** --target covers none of the blobs of the range, nor any record read from them. */
export function targetMissWarning(miss: TargetMiss): string {
  const roots = [...new Set(miss.blobs.map((b) => rootResourceId(b.root)).filter((id): id is string => id !== undefined))];
  const records = miss.recordsRead > 0 ? `, nor any of the ${miss.recordsRead} VNet record(s) read from them` : "";
  return [
    `Nothing selected: --target ${miss.target} covers none of the ${miss.blobs.length} blob(s) in ${formatRange(miss.range)} of the ${miss.sources} source(s) of FLOWLOG_SOURCES${records}.`,
    roots.length > 0 ? `Their paths name: ${someOf(roots)}.` : undefined,
    miss.recordResources.length > 0 ? `Their VNet records name: ${someOf(miss.recordResources)}.` : undefined,
    "--target takes the id of an NSG, a VNet, subnet or NIC, or a flow log, or of a resource group or subscription holding them, as Azure writes it (any casing).",
  ]
    .filter((line) => line !== undefined)
    .join("\n");
}
