// The reference for the side-by-side benchmark: the npm `socket.io` server as a
// team would deploy it, with (1) an in-process trigger that emits the exact
// broadcast pattern the load generator asks for (GET /bench/run, the best case
// for Node: no RPC hop) and (2) a @grpc/grpc-js bridge of the hub.v1 calls the
// bench uses (JoinRooms, EmitTo, Broadcast, Publish, Subscribe), which is
// what a team would otherwise build in front of socket.io.
//
//   node tests/bench/reference_server.mjs [--port 0] [--grpc_port 0]
// Logs "event=listening service=socketio|grpc port=N" then "event=ready".
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Server } from "socket.io";
import grpc from "@grpc/grpc-js";
import protoLoader from "@grpc/proto-loader";

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};

const httpServer = http.createServer((req, res) => {
  const url = new URL(req.url, "http://localhost");
  if (url.pathname === "/bench/run") return runPattern(url.searchParams, res);
  res.writeHead(404).end();
});
const io = new Server(httpServer, {
  serveClient: false,
  pingInterval: 25000,
  pingTimeout: 20000,
  maxHttpBufferSize: 1e6,
});

// --- The bench payload, as tests/bench/loadgen/bench_payload.h builds it. ---
function padFor(payloadBytes, group, seq, t) {
  const fixed = 12 + String(group).length + String(seq).length + String(t).length;
  return payloadBytes > fixed ? "x".repeat(payloadBytes - fixed) : "";
}
const seqs = new Map(); // group -> next sequence number
const nextSeq = (group) => {
  const seq = seqs.get(group) ?? 0;
  seqs.set(group, seq + 1);
  return seq;
};
const now = () => Number(process.hrtime.bigint()); // CLOCK_MONOTONIC, as the load generator

// Paced broadcasts: everything due leaves on each 1 ms tick; a tick that
// overruns (a broadcast to 10k sockets takes long) catches up on the next.
function runPattern(params, res) {
  const rooms = params.get("target") === "rooms";
  const rate = Number(params.get("rate"));
  const seconds = Number(params.get("seconds"));
  const total = Math.round(rate * seconds);
  const payload = Number(params.get("payload"));
  const roomCount = Number(params.get("rooms"));
  let cursor = Number(params.get("cursor"));
  const start = process.hrtime.bigint();
  let sent = 0;
  const giveUpNs = start + BigInt(Math.round(seconds * 1.5e9));
  let late = false;
  const tick = () => {
    const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    const due = Math.min(total, Math.floor(elapsed * rate) + 1);
    for (; sent < due; ++sent) {
      // Give up once half a step late, as the gRPC trigger does; checked per
      // broadcast, since one tick's backlog can take seconds to emit.
      if (process.hrtime.bigint() > giveUpNs) {
        late = true;
        break;
      }
      const group = rooms ? cursor % roomCount : 0;
      ++cursor;
      const seq = nextSeq(group);
      const t = now();
      const target = rooms ? io.to(`r${group}`) : io;
      target.emit("m", group, seq, t, padFor(payload, group, seq, t));
    }
    if (sent < total && !late) {
      setTimeout(tick, 1);
    } else {
      res.writeHead(200, { "content-type": "text/plain", connection: "close" }).end(`sent=${sent}\n`);
    }
  };
  tick();
}

// --- The gRPC bridge (hub.v1 subset). ---
const here = path.dirname(fileURLToPath(import.meta.url));
const definition = protoLoader.loadSync(path.join(here, "../../proto/hub/v1/hub.proto"), {
  keepCase: true, longs: Number, enums: String, oneofs: true,
});
const { Hub } = grpc.loadPackageDefinition(definition).hub.v1;

const namespaceOf = (nsp) => io.of(nsp || "/");
const argsOf = (payload) => payload.args.map((b) => JSON.parse(b.toString()));

function emitTo(request) {
  const nsp = namespaceOf(request.namespace);
  const args = argsOf(request.payload);
  let recipients = 0;
  for (const id of request.socket_ids) {
    const socket = nsp.sockets.get(id);
    if (socket) {
      socket.emit(request.payload.event, ...args);
      ++recipients;
    }
  }
  return recipients;
}

function broadcast(request) {
  const selector = request.selector ?? {};
  let target = namespaceOf(selector.namespace);
  const rooms = [...(selector.rooms ?? []), ...(selector.socket_ids ?? [])];
  if (rooms.length) target = target.to(rooms);
  if (selector.except_rooms?.length) target = target.except(selector.except_rooms);
  target.emit(request.payload.event, ...argsOf(request.payload));
  return 0; // socket.io does not count recipients
}

// Subscribe: every client event goes to each open stream whose filters take
// it, as a ClientEvent (what the hub sends), one stream message per event.
const subscribers = new Set();
let nextSequence = 1;
io.on("connection", (socket) => {
  socket.onAny((event, ...args) => {
    for (const sub of subscribers) {
      if (sub.events.size && !sub.events.has(event)) continue;
      if (sub.namespaces.size && !sub.namespaces.has(socket.nsp.name)) continue;
      sub.call.write({
        sequence: nextSequence++,
        socket_id: socket.id,
        namespace: socket.nsp.name,
        timestamp_ms: Date.now(),
        event: { payload: { event, args: args.map((a) => Buffer.from(JSON.stringify(a))) } },
      });
    }
  });
});
function subscribe(call) {
  const sub = { call, events: new Set(call.request.events), namespaces: new Set(call.request.namespaces) };
  subscribers.add(sub);
  const end = () => subscribers.delete(sub);
  call.on("cancelled", end);
  call.on("error", end);
  call.on("close", end);
}

const server = new grpc.Server();
server.addService(Hub.service, {
  EmitTo(call, callback) {
    const recipients = emitTo(call.request);
    if (recipients === 0) return callback({ code: grpc.status.NOT_FOUND, details: "no such socket" });
    callback(null, { recipients, missing_socket_ids: [] });
  },
  Broadcast(call, callback) {
    callback(null, { recipients: broadcast(call.request), missing_socket_ids: [] });
  },
  JoinRooms(call, callback) {
    const nsp = namespaceOf(call.request.selector?.namespace);
    let sockets = 0;
    for (const id of call.request.selector?.socket_ids ?? []) {
      const socket = nsp.sockets.get(id);
      if (socket) {
        socket.join(call.request.rooms);
        ++sockets;
      }
    }
    callback(null, { sockets });
  },
  Subscribe: subscribe,
  Publish(call, callback) {
    let accepted = 0, rejected = 0, recipients = 0;
    call.on("data", (request) => {
      if (request.emit_to) {
        const n = emitTo(request.emit_to);
        n > 0 ? (++accepted, (recipients += n)) : ++rejected;
      } else if (request.broadcast) {
        broadcast(request.broadcast);
        ++accepted;
      }
    });
    call.on("end", () => callback(null, { accepted, rejected, recipients, first_error: "" }));
  },
});

const grpcPort = await new Promise((resolve, reject) =>
  server.bindAsync(`127.0.0.1:${flag("grpc_port", "0")}`, grpc.ServerCredentials.createInsecure(),
    (err, port) => (err ? reject(err) : resolve(port))));
httpServer.listen(Number(flag("port", "0")), "127.0.0.1", () => {
  console.error(`event=listening service=socketio port=${httpServer.address().port}`);
  console.error(`event=listening service=grpc port=${grpcPort}`);
  console.error("event=ready");
});
