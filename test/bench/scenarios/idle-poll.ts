// Idle poll cost as history grows: the storage requests one service poll makes when nothing is new, with
// 100 and then with 10,000 older blobs retained in the container. The recent hours are the same in both
// cases (4 NSGs x 25 NICs, this hour and the previous one); the older hours are uploaded whole, since
// they are only ever listed, never read. Counted from the forwarder's own metrics
// (flowlog_storage_requests_total) between consecutive "Poll finished." lines; lease renewals, which
// follow the clock and not the polls, are left out.

import { FlowLogGenerator } from "../../helpers/flow-logs";
import { freePort } from "../../helpers/azurite";
import { inParallel, macAddress, NicLog } from "../flow-log-estate";
import { ForwarderChild } from "../forwarder-runner";
import type { IntakeProcess } from "../intake-process";
import { median } from "../stats";
import { ScenarioStorage } from "../storage";
import { nsgBlobName, nsgResourceId } from "../../helpers/flow-logs";

const NSGS = 4;
const NICS_PER_NSG = 25;
const HOUR_MS = 3_600_000;
const IDLE_POLLS = 3;

export interface IdlePollFigures {
  /** Older blobs retained → median storage requests per idle poll, and the requests by operation. */
  readonly byHistory: { readonly olderBlobs: number; readonly requests: number; readonly operations: Record<string, number> }[];
}

export async function measureIdlePolls(intake: IntakeProcess, histories: readonly number[]): Promise<IdlePollFigures> {
  const storage = await ScenarioStorage.start();
  try {
    const container = storage.container("nsg");
    const now = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
    const gen = new FlowLogGenerator(11);
    const nics = Array.from({ length: NSGS * NICS_PER_NSG }, (_, n) => ({ nsg: n % NSGS, mac: macAddress("nsg", n) }));
    // This hour: written block by block, as the forwarder will see it at steady state.
    await inParallel(nics, 8, async ({ nsg, mac }) => {
      const log = new NicLog(gen, "nsg", container, mac, new Date(now), nsg);
      await log.append(new Date(now), [{ rules: 1, tuplesPerRule: 10 }]);
    });
    const byHistory: IdlePollFigures["byHistory"][number][] = [];
    let hoursWritten = 0;
    for (const olderBlobs of histories) {
      const hours = olderBlobs / nics.length;
      const jobs = [];
      for (let h = hoursWritten + 1; h <= hours; h++) for (const nic of nics) jobs.push({ ...nic, hour: now - h * HOUR_MS });
      // Plain Put Blob requests: the SDK's pipeline would make these 10,000 uploads the bench's slowest step.
      const [base, sas] = storage.azurite.containerSasUrl(container.containerName, "racwdl").split("?");
      await inParallel(jobs, 8, async ({ nsg, mac, hour }) => {
        const name = nsgBlobName(nsgResourceId("00000000-0000-0000-0000-00000000bec4", `rg-bench-${nsg}`, `nsg-${nsg}`), new Date(hour), mac);
        const response = await fetch(`${base}/${encodeURI(name)}?${sas}`, {
          method: "PUT",
          headers: { "x-ms-blob-type": "BlockBlob", "x-ms-version": "2025-01-05", "content-type": "application/json" },
          body: '{"records":[]}',
        });
        if (response.status !== 201) throw new Error(`Put Blob ${name} answered ${response.status}: ${await response.text()}`);
      });
      hoursWritten = hours;
      const env = {
        ...storage.env(intake.url, await storage.newCheckpoint(), ["nsg"]),
        POLL_INTERVAL_SECONDS: "2",
        HEALTH_PORT: String(await freePort()),
        // A forwarder that has run all along has delivered the older hours; start it where it would be.
        FORWARDER_START_TIME: new Date(now - HOUR_MS).toISOString(),
      };
      byHistory.push({ olderBlobs, ...(await idleRequests(env)) });
    }
    return { byHistory };
  } finally {
    await storage.stop();
  }
}

async function idleRequests(env: Record<string, string>): Promise<{ requests: number; operations: Record<string, number> }> {
  const child = new ForwarderChild([], env);
  try {
    const samples: Record<string, number>[] = [];
    for (let poll = 1; poll <= IDLE_POLLS + 1; poll++) {
      await child.waitForMessages("Poll finished.", poll, 60_000);
      samples.push(await storageRequests(env.HEALTH_PORT));
    }
    const perPoll = samples.slice(1).map((after, i) => difference(after, samples[i]));
    const totals = perPoll.map((ops) => Object.values(ops).reduce((a, b) => a + b, 0));
    const middle = perPoll[totals.indexOf(median(totals))] ?? perPoll[0];
    return { requests: median(totals), operations: middle };
  } finally {
    await child.stop();
  }
}

async function storageRequests(port: string): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const match of text.matchAll(/^flowlog_storage_requests_total\{operation="(\w+)"\} (\d+)$/gm)) {
    if (match[1] !== "lease") counts[match[1]] = Number(match[2]);
  }
  return counts;
}

function difference(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [op, n] of Object.entries(after)) if (n - (before[op] ?? 0) > 0) out[op] = n - (before[op] ?? 0);
  return out;
}
