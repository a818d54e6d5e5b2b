// Preloaded into the web server (node --import, via NODE_OPTIONS in the start
// scripts). Next keeps any X-Forwarded-* header a client sends and only fills in
// missing ones, so a client could claim any address, host or scheme. Unless
// TRUST_PROXY says a proxy we run sits in front, each incoming request's
// X-Forwarded-For is set to the socket's address and client-sent X-Forwarded-Host,
// -Proto and -Port are dropped (Next then derives them from the connection).
import http from "node:http";

const v = String(process.env.TRUST_PROXY || "").trim().toLowerCase();
const trusted = v === "true" || v === "yes" || (Number.isInteger(Number(v)) && Number(v) > 0);

if (!trusted && !http.Server.prototype.__rcForwardedGuard) {
  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (event, req, ...rest) {
    if (event === "request" && req && req.headers) {
      delete req.headers["x-forwarded-host"];
      delete req.headers["x-forwarded-proto"];
      delete req.headers["x-forwarded-port"];
      delete req.headers["forwarded"];
      const addr = req.socket && req.socket.remoteAddress;
      if (addr) req.headers["x-forwarded-for"] = addr;
      else delete req.headers["x-forwarded-for"];
    }
    return emit.call(this, event, req, ...rest);
  };
  http.Server.prototype.__rcForwardedGuard = true;
}
