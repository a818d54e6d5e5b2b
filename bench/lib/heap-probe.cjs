// Preloaded into a server the benchmarks measure (node --expose-gc --require …):
// on SIGUSR2 it collects garbage and prints one line "HEAP {json}" with the memory
// still in use, so a before/after difference is what is held, not what the
// collector has not reclaimed yet. Bench-only; nothing else loads it.
process.on("SIGUSR2", () => {
  if (typeof global.gc === "function") {
    global.gc();
    global.gc();
  }
  const m = process.memoryUsage();
  process.stdout.write(`HEAP ${JSON.stringify({ heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss })}\n`);
});
