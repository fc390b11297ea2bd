// How soon V8 collects the old generation. The forwarder's live heap is bounded by its own limits
// (service/app.ts): heap snapshots taken at peak RSS hold 18-40 MB. What plain node added on top was
// garbage: V8 derives how far the old generation may grow between full collections from the heap
// limit, which without --max-old-space-size is a quarter of the machine's memory, and let it reach
// about four times the live set (backlog of 5,000 blobs: 239 MB RSS, 65 MB of old generation for 18 MB
// live). Growing by at most half the live set keeps the peak under 160 MB wherever `node forwarder.js`
// runs, with or without a heap cap (npm run bench reports both). It is not a cap: a larger live set
// still gets the heap it needs.

import { setFlagsFromString } from "node:v8";

export const OLD_GENERATION_GROWTH_PERCENT = 50;

/** V8 reads the flag at every full collection, so setting it at start-up applies to the whole run. */
export function collectGarbageSooner(): void {
  setFlagsFromString(`--heap-growing-percent=${OLD_GENERATION_GROWTH_PERCENT}`);
}
