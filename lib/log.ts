import pino from "pino";

// Structured JSON logs; every request and action logs with its request id.
export const log = pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "error" : "info"),
  base: { app: "rollout-console" },
  redact: ["password", "token", "*.password", "*.token", "authorization"],
});

export function requestLogger(requestId: string | null | undefined) {
  return log.child({ requestId: requestId ?? "none" });
}
