// Outbound requests to admin-entered URLs (notification channels, Prometheus sources). An admin must
// not be able to make the server reach internal services: a destination's host is
// resolved and every address it resolves to must be public, both when the channel
// is saved and again at each delivery (DNS can change). At delivery the check sits
// in the socket's own lookup, so the address that is checked is the one connected to.
//
// Exceptions are explicit: NOTIFY_ALLOWED_HOSTS (comma-separated host names, IPs or
// CIDRs, e.g. "127.0.0.1,hooks.internal.example") or NOTIFY_ALLOW_PRIVATE_NETWORKS=true.
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { BlockList, isIP, type LookupFunction } from "node:net";

const V4_BLOCKED: [string, number, string][] = [
  ["0.0.0.0", 8, "unspecified"],
  ["10.0.0.0", 8, "private"],
  ["100.64.0.0", 10, "carrier-grade NAT"],
  ["127.0.0.0", 8, "loopback"],
  ["169.254.0.0", 16, "link-local (cloud metadata)"],
  ["172.16.0.0", 12, "private"],
  ["192.0.0.0", 24, "IETF protocol assignments"],
  ["192.0.2.0", 24, "documentation"],
  ["192.88.99.0", 24, "6to4 relay"],
  ["192.168.0.0", 16, "private"],
  ["198.18.0.0", 15, "benchmarking"],
  ["198.51.100.0", 24, "documentation"],
  ["203.0.113.0", 24, "documentation"],
  ["224.0.0.0", 4, "multicast"],
  ["240.0.0.0", 4, "reserved"],
];
const V6_BLOCKED: [string, number, string][] = [
  ["::", 128, "unspecified"],
  ["::1", 128, "loopback"],
  ["::", 96, "IPv4-compatible"],
  ["100::", 64, "discard"],
  ["2001:db8::", 32, "documentation"],
  ["fc00::", 7, "unique local (private)"],
  ["fe80::", 10, "link-local"],
  ["fec0::", 10, "site-local"],
  ["ff00::", 8, "multicast"],
];

const reasons = new Map<BlockList, string>();
function list(family: "ipv4" | "ipv6", [net, prefix, why]: [string, number, string]): BlockList {
  const b = new BlockList();
  b.addSubnet(net, prefix, family);
  reasons.set(b, why);
  return b;
}
const V4 = V4_BLOCKED.map((r) => list("ipv4", r));
const V6 = V6_BLOCKED.map((r) => list("ipv6", r));

/** The 16 bytes of an IPv6 address (which isIP already accepted). */
function v6Bytes(ip: string): number[] {
  let s = ip.split("%")[0];
  const tail4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (tail4) {
    const [a, b, c, d] = tail4[1].split(".").map(Number);
    s = s.slice(0, -tail4[1].length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = s.includes("::") ? s.split("::") : [s, null];
  const h = head ? head.split(":") : [];
  const t = rest ? rest.split(":") : [];
  const groups = rest === null ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  return groups.flatMap((g) => {
    const n = parseInt(g || "0", 16);
    return [n >> 8, n & 0xff];
  });
}

/** The IPv4 address an IPv6 address carries (mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16), if any. */
function embeddedV4(bytes: number[]): string | null {
  const zero = (from: number, to: number) => bytes.slice(from, to).every((x) => x === 0);
  if (zero(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) return bytes.slice(12).join(".");
  if (bytes[0] === 0x00 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b && zero(4, 12)) return bytes.slice(12).join(".");
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return bytes.slice(2, 6).join(".");
  return null;
}

/** Why an address may not be a destination ("loopback", "private", …), or null when it is public. */
export function blockedReason(address: string): string | null {
  const family = isIP(address);
  if (family === 4) {
    if (address === "255.255.255.255") return "broadcast";
    return reasons.get(V4.find((b) => b.check(address, "ipv4"))!) ?? null;
  }
  if (family === 6) {
    const bytes = v6Bytes(address.toLowerCase());
    const v4 = embeddedV4(bytes);
    if (v4) {
      const inner = blockedReason(v4);
      return inner ? `${inner} (IPv4 inside IPv6)` : null;
    }
    const plain = address.split("%")[0];
    return reasons.get(V6.find((b) => b.check(plain, "ipv6"))!) ?? null;
  }
  return "not an IP address";
}

interface Allow {
  any: boolean;
  hosts: Set<string>;
  nets: BlockList;
}

/** The configured exceptions (read on each call, so tests and operators can change them). */
export function allowList(env: NodeJS.ProcessEnv = process.env): Allow {
  const nets = new BlockList();
  const hosts = new Set<string>();
  for (const raw of (env.NOTIFY_ALLOWED_HOSTS ?? "").split(",").map((s) => s.trim().toLowerCase()).filter(Boolean)) {
    const [addr, prefix] = raw.replace(/^\[|\]$/g, "").split("/");
    const family = isIP(addr);
    if (family) nets.addSubnet(addr, prefix ? Number(prefix) : family === 4 ? 32 : 128, family === 4 ? "ipv4" : "ipv6");
    else hosts.add(raw);
  }
  return { any: env.NOTIFY_ALLOW_PRIVATE_NETWORKS === "true", hosts, nets };
}

function allowedAddress(allow: Allow, address: string): boolean {
  const family = isIP(address);
  return family !== 0 && allow.nets.check(address.split("%")[0], family === 4 ? "ipv4" : "ipv6");
}

export class DestinationRefused extends Error {
  override name = "DestinationRefused";
}

function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
}

/** Checks resolved addresses of `host` against the rules; throws DestinationRefused. */
export function checkAddresses(host: string, addresses: string[], allow: Allow = allowList()): void {
  if (allow.any || allow.hosts.has(host)) return;
  if (addresses.length === 0) throw new DestinationRefused(`${host} does not resolve to any address`);
  for (const a of addresses) {
    if (allowedAddress(allow, a)) continue;
    const why = blockedReason(a);
    if (why) throw new DestinationRefused(`${host} resolves to ${a}, a ${why} address; outbound requests go to public hosts only (NOTIFY_ALLOWED_HOSTS lists exceptions)`);
  }
}

type Resolver = (host: string) => Promise<string[]>;
const systemResolver: Resolver = (host) =>
  new Promise((resolve, reject) =>
    dnsLookup(host, { all: true, verbatim: true }, (err, addrs) => (err ? reject(err) : resolve((addrs as LookupAddress[]).map((a) => a.address)))),
  );

/**
 * Save-time check of a channel URL: http(s), no credentials, and a host whose every
 * address is public (or explicitly allowed). Throws DestinationRefused with a message for people.
 */
export async function assertPublicDestination(rawUrl: string, resolve: Resolver = systemResolver): Promise<void> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new DestinationRefused("not a valid URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new DestinationRefused("http or https only");
  if (url.username || url.password) throw new DestinationRefused("credentials in the URL are not allowed");
  const host = hostOf(url);
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = await resolve(host);
    } catch {
      throw new DestinationRefused(`${host} does not resolve`);
    }
  }
  checkAddresses(host, addresses);
}

/** A socket lookup that refuses blocked addresses: the address checked is the one connected to. */
export function guardedLookup(host: string): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true, verbatim: true }, (err, addrs) => {
      if (err) return callback(err, "", 0);
      const list = addrs as LookupAddress[];
      try {
        checkAddresses(host, list.map((a) => a.address));
      } catch (e) {
        return callback(e as NodeJS.ErrnoException, "", 0);
      }
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      callback(null, list[0].address, list[0].family);
    });
  };
}

/**
 * POSTs `body` and answers the status code only (the answer's body is never read
 * into anything stored). No redirects are followed: a 3xx is a failed delivery.
 */
export async function postGuarded(rawUrl: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<number> {
  const url = new URL(rawUrl);
  const host = hostOf(url);
  if (isIP(host)) checkAddresses(host, [host]); // literal addresses skip the lookup
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: "POST", headers: { ...headers, "content-length": String(Buffer.byteLength(body)) }, lookup: guardedLookup(host), timeout: timeoutMs },
      (res) => {
        // The status is all we keep; the answer's body is not read at all.
        resolve(res.statusCode ?? 0);
        res.destroy();
      },
    );
    const timer = setTimeout(() => req.destroy(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" })), timeoutMs);
    req.on("close", () => clearTimeout(timer));
    req.on("timeout", () => req.destroy(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" })));
    req.on("error", reject);
    req.end(body);
  });
}

export class ResponseTooLarge extends Error {
  override name = "ResponseTooLarge";
}

/**
 * GETs `rawUrl` under the same address rules as postGuarded and reads at most
 * `maxBytes` of the answer (more: ResponseTooLarge, the socket is closed). No
 * redirects are followed. For sources the server reads from (Prometheus).
 */
export async function getGuarded(rawUrl: string, headers: Record<string, string>, timeoutMs: number, maxBytes: number): Promise<{ status: number; body: string }> {
  const url = new URL(rawUrl);
  const host = hostOf(url);
  if (isIP(host)) checkAddresses(host, [host]);
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "GET", headers, lookup: guardedLookup(host), timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > maxBytes) {
          req.destroy(new ResponseTooLarge(`answer larger than ${maxBytes} bytes`));
          return;
        }
        chunks.push(c);
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    const timer = setTimeout(() => req.destroy(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" })), timeoutMs);
    req.on("close", () => clearTimeout(timer));
    req.on("timeout", () => req.destroy(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" })));
    req.on("error", reject);
    req.end();
  });
}
