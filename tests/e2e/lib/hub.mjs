// Harness for the Hub end-to-end tests.
//
// Starts the hub binary named by HUB_BINARY on ephemeral loopback ports, talks
// to it over gRPC (hub.v1.Hub) and Socket.IO, and guarantees that every
// process and connection it created is gone when the test process ends.
//
// Environment:
//   HUB_BINARY       path to the built hub executable (required)
//   HUB_SOURCE_DIR   repository root, to find proto/hub/v1/hub.proto
//                    (default: three directories above this file)
//   HUB_E2E_VERBOSE  when set, the hub's stdout/stderr are copied live to
//                    this process's stderr

import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';
import { io } from 'socket.io-client';
import WebSocket from 'ws';

export { grpc };

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const SOURCE_DIR = process.env.HUB_SOURCE_DIR
  ? path.resolve(process.env.HUB_SOURCE_DIR)
  : path.resolve(HERE, '..', '..', '..');
export const PROTO_PATH = path.join(SOURCE_DIR, 'proto', 'hub', 'v1', 'hub.proto');

const READY_TIMEOUT_MS = 10_000;
const STOP_KILL_AFTER_MS = 5_000;
// Sanitizer builds run several times slower: tests/CMakeLists.txt sets
// HUB_TEST_TIME_SCALE for them, and every default wait and RPC deadline
// stretches with it (a wait only ends sooner when what it waits for comes).
const TIME_SCALE = Number(process.env.HUB_TEST_TIME_SCALE) || 1;
export const DEFAULT_WAIT_MS = 5_000 * TIME_SCALE;

// ---------------------------------------------------------------------------
// Process bookkeeping: every hub we spawn is killed when this process ends,
// whatever the reason.

const liveProcs = new Set();

function killAllSync() {
  for (const proc of liveProcs) {
    try {
      proc.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  liveProcs.clear();
}

process.on('exit', killAllSync);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => {
    killAllSync();
    process.kill(process.pid, sig);
  });
}

// ---------------------------------------------------------------------------
// Small utilities

/** Rejects after `ms` with `message` unless `promise` settles first. */
export function withTimeout(promise, ms, message) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} (timed out after ${ms} ms)`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Resolves with the argument list of the next `event` emitted by `emitter`
 * (a node EventEmitter, a socket.io-client socket or a ws WebSocket).
 */
export function once(emitter, event, timeoutMs = DEFAULT_WAIT_MS) {
  return new Promise((resolve, reject) => {
    const listener = (...args) => {
      clearTimeout(timer);
      resolve(args);
    };
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`no '${event}' event within ${timeoutMs} ms`));
    }, timeoutMs);
    emitter.once(event, listener);
  });
}

/**
 * Polls `fn` until it returns a truthy value (which is returned) or the time
 * is up (throws, with the last value or error in the message).
 */
export async function waitFor(fn, { timeoutMs = DEFAULT_WAIT_MS, intervalMs = 50, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`${what} not met within ${timeoutMs} ms (last: ${detail})`);
    }
    await sleep(intervalMs);
  }
}

/** GET `url`; resolves with {status, headers, body} (body as a string). */
export function httpGet(url, { timeoutMs = DEFAULT_WAIT_MS, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`GET ${url} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** JSON for diagnostics: Buffers are shown as their UTF-8 text. */
export function show(value) {
  return JSON.stringify(value, (_k, v) => {
    if (v && v.type === 'Buffer' && Array.isArray(v.data)) return `<${Buffer.from(v.data).toString('utf8')}>`;
    return v;
  });
}

/** Parses one logfmt line into an object (`key=value`, `key="quoted value"`). */
export function parseLogfmt(line) {
  const out = {};
  const re = /([^\s=]+)=(?:"((?:[^"\\]|\\.)*)"|(\S*))/g;
  let m;
  while ((m = re.exec(line)) !== null) {
    out[m[1]] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3];
  }
  return out;
}

function tail(text, max = 8000) {
  return text.length > max ? `...[${text.length - max} bytes cut]...\n${text.slice(-max)}` : text;
}

function requireBinary() {
  const bin = process.env.HUB_BINARY;
  if (!bin) {
    throw new Error('HUB_BINARY is not set: point it at the built hub executable, e.g. HUB_BINARY=build/hub/hub');
  }
  return bin;
}

// ---------------------------------------------------------------------------
// Hub process

/**
 * Runs the hub to completion (for --help and bad-configuration cases).
 * Resolves with {code, signal, stdout, stderr}; kills it after `timeoutMs`.
 */
export function runHub(args = [], { env = {}, timeoutMs = 10_000 } = {}) {
  const bin = requireBinary();
  return new Promise((resolve, reject) => {
    const proc = spawn(bin, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    liveProcs.add(proc);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    proc.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    proc.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      proc.kill('SIGKILL');
    }, timeoutMs);
    proc.on('error', (err) => {
      clearTimeout(timer);
      liveProcs.delete(proc);
      reject(err);
    });
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      liveProcs.delete(proc);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/**
 * Starts the hub on ephemeral loopback ports and waits until it logs
 * `event=ready`. Resolves with
 *   {proc, sioPort, grpcPort, adminPort, url, output(), stop(signal), exited}
 */
export async function startHub({ args = [], env = {} } = {}) {
  const bin = requireBinary();
  const fullArgs = [
    '--bind', '127.0.0.1',
    '--sio_port', '0',
    '--grpc_port', '0',
    '--admin_port', '0',
    '--shards', '2',
    ...args,
  ];
  const proc = spawn(bin, fullArgs, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  liveProcs.add(proc);

  let output = '';
  const verbose = Boolean(process.env.HUB_E2E_VERBOSE);
  const ports = {};
  const lifecycle = new EventEmitter();
  let stderrPartial = '';

  proc.stdout.setEncoding('utf8').on('data', (d) => {
    output += d;
    if (verbose) process.stderr.write(`[hub ${proc.pid} out] ${d}`);
  });
  proc.stderr.setEncoding('utf8').on('data', (d) => {
    output += d;
    if (verbose) process.stderr.write(`[hub ${proc.pid} err] ${d}`);
    stderrPartial += d;
    const lines = stderrPartial.split('\n');
    stderrPartial = lines.pop();
    for (const line of lines) {
      const kv = parseLogfmt(line);
      if (kv.event === 'listening' && kv.service && kv.port !== undefined) {
        ports[kv.service] = Number(kv.port);
      }
      if (kv.event) lifecycle.emit('event', kv, line);
    }
  });

  const exited = new Promise((resolve) => {
    proc.on('exit', (code, signal) => {
      liveProcs.delete(proc);
      resolve({ code, signal });
    });
  });
  let spawnError = null;
  proc.on('error', (err) => {
    spawnError = err;
    liveProcs.delete(proc);
  });

  const ready = new Promise((resolve, reject) => {
    lifecycle.on('event', (kv) => {
      if (kv.event === 'ready') resolve();
    });
    exited.then(({ code, signal }) =>
      reject(new Error(`hub exited before it was ready (code ${code}, signal ${signal})`)),
    );
    proc.on('error', (err) => reject(new Error(`cannot start ${bin}: ${err.message}`)));
  });

  try {
    await withTimeout(ready, READY_TIMEOUT_MS, 'hub did not log event=ready');
    for (const service of ['socketio', 'grpc', 'admin']) {
      if (!Number.isInteger(ports[service]) || ports[service] <= 0) {
        throw new Error(`hub is ready but logged no 'event=listening service=${service} ... port=N' line`);
      }
    }
  } catch (err) {
    if (!spawnError) {
      proc.kill('SIGKILL');
      await withTimeout(exited, 5000, 'hub did not die after SIGKILL').catch(() => {});
    }
    liveProcs.delete(proc);
    err.message += `\n--- hub ${bin} ${fullArgs.join(' ')} output ---\n${tail(output)}`;
    throw err;
  }

  let stopping = null;
  const hub = {
    proc,
    sioPort: ports.socketio,
    grpcPort: ports.grpc,
    adminPort: ports.admin,
    url: `http://127.0.0.1:${ports.socketio}`,
    adminUrl: `http://127.0.0.1:${ports.admin}`,
    exited,
    output: () => output,
    get running() {
      return proc.exitCode === null && proc.signalCode === null;
    },
    /**
     * Sends `signal` and resolves with {code, signal} once the process has
     * exited; sends SIGKILL if it is still alive after `killAfterMs`.
     */
    stop(signal = 'SIGTERM', { killAfterMs = STOP_KILL_AFTER_MS } = {}) {
      if (stopping) return stopping;
      if (!hub.running) return (stopping = exited);
      proc.kill(signal);
      const timer = setTimeout(() => {
        if (hub.running) {
          output += `\n[harness] hub still running ${killAfterMs} ms after ${signal}: SIGKILL\n`;
          proc.kill('SIGKILL');
        }
      }, killAfterMs);
      stopping = exited.finally(() => clearTimeout(timer));
      return stopping;
    },
  };
  return hub;
}

/**
 * Wraps a test body so that a failure carries the tail of the hub's output.
 * `getHub` is called lazily (the hub is usually started in a before hook).
 */
export function withHubOutput(getHub, fn) {
  return async (...args) => {
    try {
      return await fn(...args);
    } catch (err) {
      const hub = getHub();
      if (hub && err && typeof err === 'object') {
        try {
          const before = err.message;
          err.message += `\n--- hub output ---\n${tail(hub.output())}`;
          // Reporters that print the stack show the message captured when the
          // error was made; put the hub output there too.
          if (typeof err.stack === 'string' && before && err.stack.includes(before)) {
            err.stack = err.stack.replace(before, err.message);
          }
        } catch {
          // message not writable; keep the original error
        }
      }
      throw err;
    }
  };
}

// ---------------------------------------------------------------------------
// gRPC

let packageDefinition = null;
function hubService() {
  if (!packageDefinition) {
    packageDefinition = protoLoader.loadSync(PROTO_PATH, {
      keepCase: true,
      longs: String,
      enums: String,
      defaults: true,
      oneofs: true,
      bytes: Buffer,
    });
  }
  const loaded = grpc.loadPackageDefinition(packageDefinition);
  return loaded.hub.v1.Hub;
}

/**
 * Returns {client, close(), unary(method, request, {timeoutMs}), and one
 * promisified helper per unary RPC: emitTo, broadcast, emitWithAck, ack,
 * joinRooms, leaveRooms, disconnectSockets, listSockets, shutdown}.
 * Every call carries a deadline (default 5 s). A failure rejects with the
 * grpc-js error, whose `code` is the gRPC status code.
 */
export function grpcClient(port, { timeoutMs = DEFAULT_WAIT_MS } = {}) {
  const Hub = hubService();
  const client = new Hub(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const unary = (method, request = {}, opts = {}) =>
    new Promise((resolve, reject) => {
      if (typeof client[method] !== 'function') {
        reject(new Error(`hub.v1.Hub has no method ${method}`));
        return;
      }
      const deadline = Date.now() + (opts.timeoutMs ?? timeoutMs);
      client[method](request, { deadline }, (err, response) => (err ? reject(err) : resolve(response)));
    });
  const wrapper = {
    client,
    unary,
    close: () => client.close(),
    emitTo: (req, opts) => unary('EmitTo', req, opts),
    broadcast: (req, opts) => unary('Broadcast', req, opts),
    emitWithAck: (req, opts) => unary('EmitWithAck', req, opts),
    ack: (req, opts) => unary('Ack', req, opts),
    joinRooms: (req, opts) => unary('JoinRooms', req, opts),
    leaveRooms: (req, opts) => unary('LeaveRooms', req, opts),
    disconnectSockets: (req, opts) => unary('DisconnectSockets', req, opts),
    listSockets: (req, opts) => unary('ListSockets', req, opts),
    shutdown: (req, opts) => unary('Shutdown', req, opts),
  };
  return wrapper;
}

/**
 * Asserts that `promise` rejects with gRPC status `code` (a number, see
 * grpc.status). Returns the error.
 */
export async function expectGrpcError(promise, code, what = 'call') {
  let response;
  try {
    response = await promise;
  } catch (err) {
    if (err?.code !== code) {
      const name = (c) => Object.keys(grpc.status).find((k) => grpc.status[k] === c) ?? c;
      throw new Error(
        `${what}: expected gRPC status ${name(code)} (${code}), got ${name(err?.code)} (${err?.code}): ${err?.details ?? err?.message}`,
      );
    }
    return err;
  }
  throw new Error(`${what}: expected gRPC status ${code}, but it succeeded with ${show(response)}`);
}

/**
 * Opens a Subscribe stream and resolves once its initial metadata arrived
 * (the hub sends it as soon as the subscription is active). Returns
 *   {call, events, next(predicate, timeoutMs), cancel(), status}
 * where `events` holds every ClientEvent received so far, `next` resolves with
 * the first received or future event matching `predicate`, and `status` is a
 * promise of the stream's final {code, details}.
 */
export async function subscribe(client, request = {}, { timeoutMs = DEFAULT_WAIT_MS } = {}) {
  const raw = client.client ?? client;
  const call = raw.Subscribe(request);
  const events = [];
  const waiters = new Set();
  let finished = null; // {code, details} once the stream is over

  const status = new Promise((resolve) => {
    call.on('status', (s) => {
      finished = { code: s.code, details: s.details };
      resolve(finished);
      for (const w of waiters) {
        w.reject(new Error(`Subscribe stream ended (code ${s.code}: ${s.details}) before a matching event`));
      }
      waiters.clear();
    });
  });
  // A cancelled or failed stream emits 'error' as well as 'status'; the
  // status is what we report, the error must just not go unhandled.
  call.on('error', () => {});
  call.on('data', (ev) => {
    events.push(ev);
    for (const w of waiters) {
      if (w.predicate(ev)) {
        waiters.delete(w);
        w.resolve(ev);
      }
    }
  });

  await withTimeout(
    new Promise((resolve, reject) => {
      call.once('metadata', resolve);
      status.then((s) => reject(new Error(`Subscribe stream ended before its metadata (code ${s.code}: ${s.details})`)));
    }),
    timeoutMs,
    'Subscribe sent no initial metadata',
  ).catch((err) => {
    call.cancel();
    throw err;
  });

  return {
    call,
    events,
    status,
    next(predicate = () => true, waitMs = DEFAULT_WAIT_MS) {
      const found = events.find(predicate);
      if (found) return Promise.resolve(found);
      if (finished) {
        return Promise.reject(
          new Error(`Subscribe stream already ended (code ${finished.code}: ${finished.details})`),
        );
      }
      return new Promise((resolve, reject) => {
        const waiter = {
          predicate,
          resolve: (ev) => {
            clearTimeout(timer);
            resolve(ev);
          },
          reject: (err) => {
            clearTimeout(timer);
            reject(err);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(
            new Error(
              `no matching ClientEvent within ${waitMs} ms; received ${events.length}: ` +
                events.slice(-20).map(show).join('\n'),
            ),
          );
        }, waitMs);
        waiters.add(waiter);
      });
    },
    cancel() {
      if (!finished) call.cancel();
    },
  };
}

// ---------------------------------------------------------------------------
// Socket.IO and raw connections

/**
 * Connects a socket.io-client socket (WebSocket only, no reconnection by
 * default) and resolves once it is connected. `onSocket` gets the socket
 * before it connects: listeners for what a backend sends on connect must be
 * in place by then, since it can arrive in the same read as the CONNECT
 * reply, before the returned promise's continuation runs.
 */
export function connectClient(url, opts = {}, { timeoutMs = DEFAULT_WAIT_MS, onSocket } = {}) {
  const socket = io(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: timeoutMs,
    ...opts,
  });
  onSocket?.(socket);
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('connect_error', onError);
    };
    const onConnect = () => {
      cleanup();
      resolve(socket);
    };
    const onError = (err) => {
      cleanup();
      socket.close();
      reject(new Error(`socket.io-client could not connect to ${url}: ${err?.message ?? err}`));
    };
    const timer = setTimeout(() => onError(new Error(`no connect within ${timeoutMs} ms`)), timeoutMs);
    socket.on('connect', onConnect);
    socket.on('connect_error', onError);
  });
}

/**
 * Opens a raw WebSocket to the hub's Engine.IO endpoint. Resolves with
 * {ws, messages, nextMessage(timeoutMs), closed} once it is open; `closed`
 * resolves with {code, reason} when the connection ends.
 */
export function rawEngineSocket(sioPort, { query = 'EIO=4&transport=websocket', timeoutMs = DEFAULT_WAIT_MS } = {}) {
  const ws = new WebSocket(`ws://127.0.0.1:${sioPort}/socket.io/?${query}`, { perMessageDeflate: false });
  const messages = [];
  const waiting = [];
  const errors = [];
  ws.on('error', (err) => errors.push(err));
  ws.on('message', (data, isBinary) => {
    const msg = isBinary ? data : data.toString('utf8');
    const w = waiting.shift();
    if (w) w(msg);
    else messages.push(msg);
  });
  const closed = new Promise((resolve) => {
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString('utf8'), errors }));
  });
  const opened = new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      reject(new Error(`WebSocket handshake answered with HTTP ${res.statusCode}`));
    });
    closed.then(({ code }) => reject(new Error(`WebSocket closed (${code}) before it opened: ${errors.map((e) => e.message)}`)));
  });
  return withTimeout(opened, timeoutMs, 'raw WebSocket did not open')
    .catch((err) => {
      ws.terminate();
      throw err;
    })
    .then(() => ({
      ws,
      messages,
      closed,
      nextMessage(waitMs = DEFAULT_WAIT_MS) {
        if (messages.length) return Promise.resolve(messages.shift());
        return withTimeout(
          new Promise((resolve) => waiting.push(resolve)),
          waitMs,
          'no WebSocket message',
        );
      },
    }));
}

/** Parses an Engine.IO v4 OPEN packet ('0{...}'). */
export function parseOpenPacket(msg) {
  if (typeof msg !== 'string' || msg[0] !== '0') {
    throw new Error(`expected an Engine.IO OPEN packet, got ${show(msg)}`);
  }
  return JSON.parse(msg.slice(1));
}

/** Reads the hub's Engine.IO handshake (the OPEN packet) over a raw WebSocket. */
export async function readHandshake(sioPort) {
  const raw = await rawEngineSocket(sioPort);
  try {
    return parseOpenPacket(await raw.nextMessage());
  } finally {
    raw.ws.terminate();
  }
}

/** Reads `name{labels} value` from a Prometheus text exposition; NaN if absent. */
export function metricValue(body, name, labels = null) {
  const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const labelPart = labels === null ? '(?:\\{[^}]*\\})?' : esc(labels);
  const m = new RegExp(`^${esc(name)}${labelPart}\\s+(\\S+)`, 'm').exec(body);
  return m ? Number(m[1]) : NaN;
}
