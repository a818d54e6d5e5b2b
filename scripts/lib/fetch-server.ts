// Serves a fetch-style handler ((Request) => Promise<Response>) over node:http on
// 127.0.0.1, so a real client (the OpenTelemetry SDK's exporters) can post to it,
// and keeps every answer for the test to look at.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";

export interface Answer {
  status: number;
  type: string | null;
  body: Buffer;
}

export interface Served {
  url: string;
  answers: Answer[];
  close: () => Promise<void>;
}

function toRequest(req: IncomingMessage, base: string): Request {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  return new Request(new URL(req.url ?? "/", base), {
    method: req.method,
    headers,
    body: hasBody ? (Readable.toWeb(req) as ReadableStream) : undefined,
    ...(hasBody ? { duplex: "half" } : {}),
  } as RequestInit);
}

export async function serve(handler: (r: Request) => Promise<Response>, port = 0): Promise<Served> {
  const answers: Answer[] = [];
  let base = "";
  const server: Server = createServer(async (req, res) => {
    const response = await handler(toRequest(req, base));
    const body = Buffer.from(await response.arrayBuffer());
    answers.push({ status: response.status, type: response.headers.get("content-type"), body });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    answers,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
