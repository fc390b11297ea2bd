// Compares what the writer committed with what the intake received: every committed tuple must arrive,
// and none twice.

export interface DeliveryCheck {
  readonly committed: number;
  readonly receivedUnique: number;
  readonly missing: readonly string[];
  /** Tuples received more than once, with how many times. */
  readonly duplicates: ReadonlyMap<string, number>;
  /** Received but never committed: would mean the check itself is wrong. */
  readonly unexpected: readonly string[];
}

export function checkDelivery(committed: readonly string[], received: readonly string[]): DeliveryCheck {
  const counts = new Map<string, number>();
  for (const key of received) counts.set(key, (counts.get(key) ?? 0) + 1);
  const committedSet = new Set(committed);
  return {
    committed: committedSet.size,
    receivedUnique: counts.size,
    missing: committed.filter((key) => !counts.has(key)),
    duplicates: new Map([...counts].filter(([, n]) => n > 1)),
    unexpected: [...counts.keys()].filter((key) => !committedSet.has(key)),
  };
}
