// `npm run local`: starts the local session (session.ts) in a process group of its own and relays
// Ctrl-C to it alone. A terminal's Ctrl-C signals the whole foreground group; were Azurite and the
// forwarder in it, they would stop at once, and the session could not let the forwarder deliver what
// was committed before judging the run. A second Ctrl-C stops everything at once.

import { spawn } from "node:child_process";
import path from "node:path";

const session = spawn(process.execPath, [...process.execArgv, path.join(__dirname, "session.ts"), ...process.argv.slice(2)], {
  // The IPC channel closes if this process dies, which tells the session to stop too.
  stdio: ["inherit", "inherit", "inherit", "ipc"],
  detached: true,
});

let stopRequested = 0;
function relay(signal: NodeJS.Signals): void {
  // npm, tsx and this process all see one Ctrl-C; signals within a second count as one.
  const now = Date.now();
  if (stopRequested === 0) {
    stopRequested = now;
    session.kill(signal);
  } else if (now - stopRequested > 1_000) {
    process.stderr.write("\nStopping everything now.\n");
    process.kill(-session.pid!, "SIGKILL");
  }
}
process.on("SIGINT", relay).on("SIGTERM", relay);

session.once("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
