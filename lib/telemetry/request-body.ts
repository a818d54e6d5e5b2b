import "server-only";
import { createHash } from "node:crypto";
import { apiError } from "@/lib/api/http";

export interface JsonBody {
  json: unknown;
  /** sha256 of the raw bytes: what an Idempotency-Key is bound to. */
  hash: string;
}

/**
 * Reads a JSON request body of at most `maxBytes`: 415 unless it is JSON, 413
 * when larger (from Content-Length when sent, else while streaming), 400 when
 * it does not parse.
 */
export async function readJsonBody(request: Request, maxBytes: number): Promise<JsonBody | Response> {
  const type = (request.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (type !== "application/json") {
    return apiError(415, `Send the batch as JSON with 'Content-Type: application/json' (got ${type ? `'${type}'` : "none"})`);
  }
  const tooLarge = () => apiError(413, `The body is larger than ${maxBytes} bytes; send smaller batches`, { maxBytes });
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (declared > maxBytes) return tooLarge();
  if (!request.body) return apiError(400, "The body is empty: send a JSON batch");

  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      return tooLarge();
    }
    chunks.push(value);
  }
  const bytes = Buffer.concat(chunks, size);
  try {
    return { json: JSON.parse(bytes.toString("utf8")), hash: createHash("sha256").update(bytes).digest("hex") };
  } catch (e) {
    return apiError(400, `Malformed JSON: ${(e as Error).message}`);
  }
}
