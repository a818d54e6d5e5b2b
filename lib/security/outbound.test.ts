import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { assertPublicDestination, blockedReason, checkAddresses, allowList, postGuarded } from "./outbound";

const BLOCKED = [
  "127.0.0.1", "127.1.2.3", "0.0.0.0", "10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.254", "192.168.1.1", "169.254.169.254",
  "169.254.0.1", "100.64.0.1", "100.127.255.255", "224.0.0.1", "239.255.255.250", "255.255.255.255", "240.0.0.1", "198.18.0.1",
  "::1", "::", "fd00:ec2::254", "fc00::1", "fdff:ffff::1", "fe80::1", "fe80::1%eth0", "ff02::1", "::ffff:127.0.0.1", "::ffff:7f00:1",
  "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::ffff:a9fe:a9fe", "0:0:0:0:0:ffff:7f00:0001", "64:ff9b::a9fe:a9fe", "2002:7f00:1::1",
  "2002:a9fe:a9fe::", "::127.0.0.1", "::7f00:1",
];
const PUBLIC = ["8.8.8.8", "1.1.1.1", "93.184.216.34", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111", "2a00:1450:4001:80b::200e", "::ffff:8.8.8.8", "64:ff9b::808:808"];

afterEach(() => {
  delete process.env.NOTIFY_ALLOWED_HOSTS;
  delete process.env.NOTIFY_ALLOW_PRIVATE_NETWORKS;
});

describe("blockedReason", () => {
  it.each(BLOCKED)("refuses %s", (ip) => expect(blockedReason(ip)).not.toBeNull());
  it.each(PUBLIC)("allows %s", (ip) => expect(blockedReason(ip)).toBeNull());
  it("refuses what is not an address", () => expect(blockedReason("localhost")).toBe("not an IP address"));
});

describe("assertPublicDestination", () => {
  const resolver = (map: Record<string, string[]>) => async (h: string) => map[h] ?? Promise.reject(new Error("ENOTFOUND"));
  it.each([
    "http://127.0.0.1:5432/", "http://localhost/", "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://169.254.169.254/latest/meta-data/",
    "http://[fd00:ec2::254]/", "http://2130706433/", "http://0x7f.1/", "http://0177.0.0.1/", "http://127.1/", "http://metadata.internal/",
    "http://rebind.example/", "https://mixed.example/", "http://user:pw@hooks.example/", "ftp://hooks.example/", "http://nowhere.example/",
  ])("refuses %s", async (url) => {
    const r = resolver({ localhost: ["127.0.0.1", "::1"], "metadata.internal": ["169.254.169.254"], "rebind.example": ["10.1.2.3"], "mixed.example": ["93.184.216.34", "192.168.0.10"], "hooks.example": ["93.184.216.34"] });
    await expect(assertPublicDestination(url, r)).rejects.toThrow();
  });
  it("allows a public host", async () => {
    await expect(assertPublicDestination("https://hooks.example/services/T/B/x", async () => ["93.184.216.34"])).resolves.toBeUndefined();
  });
  it("allows what NOTIFY_ALLOWED_HOSTS lists, and only that", async () => {
    process.env.NOTIFY_ALLOWED_HOSTS = "127.0.0.1, hooks.internal, 10.9.0.0/16";
    await expect(assertPublicDestination("http://127.0.0.1:9999/")).resolves.toBeUndefined();
    await expect(assertPublicDestination("http://hooks.internal/x", async () => ["10.0.0.5"])).resolves.toBeUndefined();
    await expect(assertPublicDestination("http://svc/x", async () => ["10.9.1.1"])).resolves.toBeUndefined();
    await expect(assertPublicDestination("http://127.0.0.2/")).rejects.toThrow(/loopback/);
    await expect(assertPublicDestination("http://169.254.169.254/")).rejects.toThrow(/link-local/);
  });
  it("allows everything with NOTIFY_ALLOW_PRIVATE_NETWORKS=true", () => {
    expect(() => checkAddresses("x", ["10.0.0.1"], allowList({ NOTIFY_ALLOW_PRIVATE_NETWORKS: "true" } as unknown as NodeJS.ProcessEnv))).not.toThrow();
  });
});

describe("postGuarded (delivery time)", () => {
  it("refuses to connect to a loopback receiver unless allowed, and never reads the body", async () => {
    let hits = 0;
    const server = createServer((req, res) => {
      hits++;
      res.writeHead(500).end("internal secret answer");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    try {
      await expect(postGuarded(`http://127.0.0.1:${port}/x`, {}, "{}", 5000)).rejects.toThrow(/loopback/);
      await expect(postGuarded(`http://localhost:${port}/x`, {}, "{}", 5000)).rejects.toThrow(/loopback/);
      expect(hits).toBe(0);
      process.env.NOTIFY_ALLOWED_HOSTS = "127.0.0.1";
      await expect(postGuarded(`http://127.0.0.1:${port}/x`, {}, "{}", 5000)).resolves.toBe(500);
      expect(hits).toBe(1);
    } finally {
      server.close();
    }
  });
});
