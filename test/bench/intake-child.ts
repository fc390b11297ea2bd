// Entry of the intake child process (forked by intake-process.ts): runs a BenchIntake and answers the
// parent's questions over IPC, so the intake's CPU never shares a thread with what is being measured.

import { BenchIntake } from "./bench-intake";

const intake = new BenchIntake(JSON.parse(process.env.BENCH_INTAKE_KEYS ?? "[]") as string[]);

type Ask = { readonly id: number; readonly cmd: "stats" | "track" | "untrack" | "marked" | "down" | "up" | "close" };

intake.listen().then((port) => process.send!({ port }));
process.on("message", (ask: Ask) => {
  let answer: unknown = null;
  if (ask.cmd === "stats") answer = intake.stats();
  else if (ask.cmd === "track") intake.track(true);
  else if (ask.cmd === "untrack") intake.track(false);
  else if (ask.cmd === "marked") answer = intake.marked();
  else if (ask.cmd === "down" || ask.cmd === "up") intake.down = ask.cmd === "down";
  process.send!({ id: ask.id, answer }, () => {
    if (ask.cmd === "close") {
      intake.close();
      process.disconnect();
    }
  });
});
