// Helpers shared by api.test.mjs, socketio.test.mjs and protocol.test.mjs,
// on top of lib/hub.mjs.

import assert from 'node:assert/strict';

import { Manager } from 'socket.io-client';

import { DEFAULT_WAIT_MS, connectClient, grpc, httpGet, metricValue, sleep } from './hub.mjs';

export const json = (value) => Buffer.from(JSON.stringify(value));
export const texts = (args) => args.map((b) => Buffer.from(b).toString('utf8'));
export const parsed = (args) => texts(args).map((s) => JSON.parse(s));
export const placeholder = (num) => ({ _placeholder: true, num });

/** Transports every Socket.IO feature test runs over. */
export const TRANSPORTS = ['websocket', 'polling'];

/**
 * True when the hub answers an Engine.IO long-polling handshake with 200.
 * Long-polling is being added separately; until it answers, the polling
 * variants of the tests are skipped with this reason.
 */
export async function pollingAvailable(hub) {
  const res = await httpGet(`${hub.url}/socket.io/?EIO=4&transport=polling`, { timeoutMs: 2000 }).catch(() => null);
  return res?.status === 200;
}
export const POLLING_SKIP_REASON =
  'long-polling not available yet: GET /socket.io/?EIO=4&transport=polling did not answer 200 (issue 3)';

export async function scrape(hub) {
  const res = await httpGet(`${hub.adminUrl}/metrics`);
  assert.equal(res.status, 200, 'GET /metrics');
  return res.body;
}

/** Value of `name{labels}` in the hub's /metrics, 0 when absent. */
export async function metric(hub, name, labels = null) {
  const v = metricValue(await scrape(hub), name, labels);
  return Number.isNaN(v) ? 0 : v;
}

/** Waits until `predicate(value of name{labels})` holds; returns the value. */
export async function waitMetric(hub, name, labels, predicate, what, timeoutMs = DEFAULT_WAIT_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await metric(hub, name, labels);
    if (predicate(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(`${what ?? name}: ${name}${labels ?? ''} is ${value} after ${timeoutMs} ms`);
    }
    await sleep(50);
  }
}

/** gRPC metadata carrying `authorization: Bearer <token>` (none when empty). */
export function bearer(token) {
  const md = new grpc.Metadata();
  if (token !== undefined && token !== null) md.set('authorization', `Bearer ${token}`);
  return md;
}

/** A unary call on a raw grpc-js client with metadata and a deadline. */
export function call(client, method, request, { metadata = new grpc.Metadata(), timeoutMs = DEFAULT_WAIT_MS } = {}) {
  const raw = client.client ?? client;
  return new Promise((resolve, reject) => {
    raw[method](request, metadata, { deadline: Date.now() + timeoutMs }, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

/** Resolves with the gRPC error of `promise` (fails the test if it succeeds). */
export async function grpcError(promise, what) {
  let res;
  try {
    res = await promise;
  } catch (err) {
    if (err?.code === undefined) throw err;
    return err;
  }
  return assert.fail(`${what}: expected a gRPC error, got ${JSON.stringify(res)}`);
}

export function statusName(code) {
  return Object.keys(grpc.status).find((k) => grpc.status[k] === code) ?? String(code);
}

/**
 * Connects `n` socket.io-client sockets (one Engine.IO connection each),
 * `batch` at a time. Any failure closes what was opened and rethrows.
 */
export async function connectMany(url, n, opts = {}, { batch = 100, timeoutMs = 10_000 } = {}) {
  const sockets = [];
  try {
    for (let i = 0; i < n; i += batch) {
      const count = Math.min(batch, n - i);
      const settled = await Promise.allSettled(
        Array.from({ length: count }, () => connectClient(url, opts, { timeoutMs })),
      );
      for (const s of settled) if (s.status === 'fulfilled') sockets.push(s.value);
      const failed = settled.find((s) => s.status === 'rejected');
      if (failed) throw failed.reason;
    }
    return sockets;
  } catch (err) {
    for (const s of sockets) s.close();
    throw err;
  }
}

/** A Manager (one Engine.IO connection) and its sockets, all connected. */
export async function connectManager(url, namespaces, opts = {}, { timeoutMs = DEFAULT_WAIT_MS } = {}) {
  const manager = new Manager(url, { reconnection: false, timeout: timeoutMs, ...opts });
  const sockets = namespaces.map((nsp) => manager.socket(nsp));
  try {
    await Promise.all(
      sockets.map(
        (s, i) =>
          new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`namespace ${namespaces[i]}: no connect in ${timeoutMs} ms`)), timeoutMs);
            s.once('connect', () => {
              clearTimeout(timer);
              resolve();
            });
            s.once('connect_error', (err) => {
              clearTimeout(timer);
              reject(new Error(`namespace ${namespaces[i]}: connect_error ${err.message}`));
            });
          }),
      ),
    );
  } catch (err) {
    for (const s of sockets) s.close();
    manager.engine?.close();
    throw err;
  }
  return {
    manager,
    sockets,
    close() {
      for (const s of sockets) s.close();
      manager.engine?.close();
    },
  };
}

/** Resolves with the connect_error of a socket that must be refused. */
export function expectConnectError(socket, timeoutMs = DEFAULT_WAIT_MS) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no connect_error within ${timeoutMs} ms`)), timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      reject(new Error(`socket ${socket.nsp} connected (id ${socket.id}) but should have been refused`));
    });
    socket.once('connect_error', (err) => {
      clearTimeout(timer);
      resolve(err);
    });
  });
}

/** Writes every request to a Publish stream (respecting backpressure); resolves with the response. */
export function publish(api, requests, { metadata = new grpc.Metadata(), timeoutMs = 30_000 } = {}) {
  return new Promise((resolve, reject) => {
    const stream = api.client.Publish(metadata, { deadline: Date.now() + timeoutMs }, (err, res) => (err ? reject(err) : resolve(res)));
    stream.on('error', () => {}); // the callback reports it
    let i = 0;
    const pump = () => {
      while (i < requests.length) {
        if (!stream.write(requests[i++])) {
          stream.once('drain', pump);
          return;
        }
      }
      stream.end();
    };
    pump();
  });
}

/** Records every `event` a socket receives (args arrays). */
export function collect(socket, event) {
  const got = [];
  socket.on(event, (...args) => got.push(args));
  return got;
}

/** Gives in-flight packets time to arrive (for "received nothing" checks). */
export const settle = (ms = 150) => sleep(ms);

/** Every page of ListSockets for `selector`, checked for shape; returns all SocketInfos. */
export async function listAll(api, selector, pageSize = 0) {
  const all = [];
  const pages = [];
  let token = '';
  for (let i = 0; i < 10_000; i++) {
    const res = await api.listSockets({ selector, page_size: pageSize, page_token: token });
    pages.push(res.sockets.length);
    all.push(...res.sockets);
    token = res.next_page_token;
    if (!token) break;
  }
  return { sockets: all, pages };
}
