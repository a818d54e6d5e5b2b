import "server-only";
import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import type { OtlpConfig } from "./config";

const gunzipAsync = promisify(gunzip);

export type Encoding = "protobuf" | "json";

/** The encoding of an OTLP request's Content-Type, or null when it is neither of the two OTLP/HTTP uses. */
export function encodingOf(request: Request): Encoding | null {
  const type = (request.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  return type === "application/x-protobuf" ? "protobuf" : type === "application/json" ? "json" : null;
}

export interface BodyProblem {
  status: 400 | 413 | 415;
  message: string;
}

/**
 * Reads the body: at most maxBodyBytes as sent (Content-Length, else counted while
 * streaming), then gunzipped when Content-Encoding says gzip, into at most
 * maxDecodedBytes. zlib stops at that size, so a small "gzip bomb" is refused with
 * 413 without ever being inflated past the limit.
 */
export async function readOtlpBody(request: Request, cfg: OtlpConfig): Promise<Buffer | BodyProblem> {
  const coding = (request.headers.get("content-encoding") ?? "identity").trim().toLowerCase();
  if (coding !== "gzip" && coding !== "identity") return { status: 415, message: `Content-Encoding '${coding.slice(0, 40)}' is not supported: send gzip or no encoding` };
  const tooLarge = (): BodyProblem => ({ status: 413, message: `The body is larger than ${cfg.maxBodyBytes} bytes: export smaller batches (the Collector's batch processor: send_batch_max_size)` });
  if (Number(request.headers.get("content-length") ?? NaN) > cfg.maxBodyBytes) return tooLarge();
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > cfg.maxBodyBytes) {
        await reader.cancel().catch(() => {});
        return tooLarge();
      }
      chunks.push(value);
    }
  }
  const bytes = Buffer.concat(chunks, size);
  if (coding === "identity") return bytes;
  try {
    return await gunzipAsync(bytes, { maxOutputLength: cfg.maxDecodedBytes });
  } catch (e) {
    if ((e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE" || e instanceof RangeError) {
      return { status: 413, message: `The body inflates to more than ${cfg.maxDecodedBytes} bytes: export smaller batches` };
    }
    return { status: 400, message: `The body is not valid gzip: ${(e as Error).message}` };
  }
}
