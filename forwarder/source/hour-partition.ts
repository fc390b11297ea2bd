// Azure partitions flow-log blobs by hour: `<root>/y=YYYY/m=MM/d=DD/h=HH/m=00/macAddress=…/PT1H.json`,
// where the root names the resource and differs between NSG and the VNet layouts. Only the hour
// partition is relied on, never the root's shape.

export const HOUR_MS = 3_600_000;
export const BLOB_FILE = "PT1H.json";

const HOUR_SEGMENTS = /(^|\/)y=(\d{4})\/m=(\d{2})\/d=(\d{2})\/h=(\d{2})\//;
const YEAR_SEGMENT = /^y=\d{4}\/$/;

export interface HourPartition {
  /** Everything before `y=`: the resource the blob belongs to. */
  readonly root: string;
  /** Start of the hour, epoch milliseconds. */
  readonly hour: number;
}

export function hourPartition(blobName: string): HourPartition | undefined {
  const match = HOUR_SEGMENTS.exec(blobName);
  if (!match) return undefined;
  const [, lead, year, month, day, hour] = match;
  return {
    root: blobName.slice(0, match.index + lead.length),
    hour: Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour)),
  };
}

export function hourPath(hour: number): string {
  const d = new Date(hour);
  const two = (n: number) => String(n).padStart(2, "0");
  return `y=${d.getUTCFullYear()}/m=${two(d.getUTCMonth() + 1)}/d=${two(d.getUTCDate())}/h=${two(d.getUTCHours())}/`;
}

export function floorHour(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}

/** True for the listing prefix that opens a root's hour partitions (`…/y=2026/`). */
export function isYearPrefix(prefix: string, parent: string): boolean {
  return YEAR_SEGMENT.test(prefix.slice(parent.length));
}

export function isFlowLogBlob(blobName: string): boolean {
  return blobName === BLOB_FILE || blobName.endsWith(`/${BLOB_FILE}`);
}
