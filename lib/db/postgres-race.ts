// postgres.js 3.4.9 can flush a write it scheduled with setImmediate after the
// socket has just been closed (the database link dropped mid-query): a TypeError
// "reading 'write'" thrown from Immediate.nextWrite, outside any query's promise.
// The connection is already gone and the next query reconnects, so a process that
// must outlive its database (the edge server) logs this one error and goes on;
// any other uncaught error still ends the process.
export function isPostgresWriteRace(error: unknown): boolean {
  const e = error as { message?: unknown; stack?: unknown } | null;
  // Not `instanceof`: test runners hand errors over from worker threads as plain objects.
  if (!e || typeof e !== "object") return false;
  const stack = String(e.stack ?? "");
  return /reading 'write'/.test(String(e.message)) && /postgres[\\/]src[\\/]connection\.js/.test(stack) && /nextWrite/.test(stack);
}
