// Preloaded into the forwarder child (`node --require usage-probe.cjs forwarder.js`): when the process
// exits, writes its peak RSS (VmHWM) and CPU time to $BENCH_USAGE_FILE. The bundle itself is unchanged.
const fs = require("node:fs");

process.on("exit", () => {
  const file = process.env.BENCH_USAGE_FILE;
  if (!file) return;
  const status = fs.readFileSync("/proc/self/status", "utf8");
  const hwm = /^VmHWM:\s+(\d+) kB/m.exec(status);
  const usage = process.resourceUsage();
  fs.writeFileSync(file, JSON.stringify({ peakRssKb: hwm ? Number(hwm[1]) : usage.maxRSS, cpuUs: usage.userCPUTime + usage.systemCPUTime }));
});
