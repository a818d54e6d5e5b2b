import "server-only";
import type { Encoding } from "./body";
import { ExportResponse, RpcStatus } from "./proto";

// OTLP/HTTP answers, encoded like the request (JSON when its type was not one we
// read): success is an ExportMetricsServiceResponse, with partial_success naming
// how many data points were rejected and the first reason; failures carry a
// google.rpc.Status with the gRPC code matching the HTTP status.
const GRPC_CODE: Record<number, number> = { 400: 3, 401: 16, 403: 7, 413: 8, 415: 3, 429: 8, 500: 13, 503: 14 };

function encoded(encoding: Encoding, status: number, body: Uint8Array | string, headers: HeadersInit = {}): Response {
  const type = encoding === "protobuf" ? "application/x-protobuf" : "application/json";
  return new Response(body as BodyInit, { status, headers: { "Content-Type": type, "Cache-Control": "no-store", ...headers } });
}

export function otlpSuccess(encoding: Encoding, rejected: number, message: string | null): Response {
  const partial = rejected > 0 ? { rejectedDataPoints: rejected, errorMessage: message ?? "" } : undefined;
  if (encoding === "json") return encoded("json", 200, JSON.stringify(partial ? { partialSuccess: { ...partial, rejectedDataPoints: String(rejected) } } : {}));
  return encoded("protobuf", 200, ExportResponse.encode(ExportResponse.create(partial ? { partialSuccess: partial } : {})).finish());
}

export function otlpError(encoding: Encoding, status: number, message: string, headers: HeadersInit = {}): Response {
  const code = GRPC_CODE[status] ?? 2;
  if (encoding === "json") return encoded("json", status, JSON.stringify({ code, message }), headers);
  return encoded("protobuf", status, RpcStatus.encode(RpcStatus.create({ code, message })).finish(), headers);
}
