// Instants given on the command line: an ISO-8601 instant (2026-11-01T02:00:00Z), or a duration before
// now (90m, 6h, 2d), which is what an operator reaches for during an incident.

const RELATIVE = /^(\d+)([mhd])$/;
const UNIT_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

export const TIME_ARGUMENT_HELP = "an ISO-8601 instant (2026-11-01T02:00:00Z) or a duration before now (90m, 6h, 2d)";

/** The instant `raw` names, or undefined when it names none. */
export function parseTimeArgument(raw: string, now: number): number | undefined {
  const relative = RELATIVE.exec(raw.trim());
  if (relative) return now - Number(relative[1]) * UNIT_MS[relative[2]];
  if (!/^\d{4}-\d{2}-\d{2}T/.test(raw)) return undefined;
  const instant = Date.parse(raw);
  return Number.isNaN(instant) ? undefined : instant;
}
