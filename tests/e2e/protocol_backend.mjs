#!/usr/bin/env node
// The server-side behaviour that the official Socket.IO v5 protocol test
// suite (socketio/socket.io, docs/socket.io-protocol/v5-test-suite) expects,
// implemented as an ordinary hub backend over gRPC. Nothing of it lives in
// the hub itself.
//
//   - every socket that connects is sent `auth` with its CONNECT auth object
//     (`{}` when the client sent none), through EmitTo;
//   - `message` is echoed back to the sender as `message-back` with the same
//     args and attachments;
//   - `message-with-ack` is answered through Ack with its own args and
//     attachments.
//
// Usage:
//   node tests/e2e/protocol_backend.mjs --grpc 127.0.0.1:50051 [--token T]
// or, from a test:
//   import { startProtocolBackend } from './protocol_backend.mjs';
//   const backend = await startProtocolBackend({ address: `127.0.0.1:${port}` });
//   ...; backend.close();

import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PROTO_PATH = path.resolve(
  process.env.HUB_SOURCE_DIR ?? path.join(HERE, '..', '..'),
  'proto', 'hub', 'v1', 'hub.proto',
);

function loadHub() {
  const def = protoLoader.loadSync(PROTO_PATH, {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
    bytes: Buffer,
  });
  return grpc.loadPackageDefinition(def).hub.v1.Hub;
}

/**
 * Connects to the hub at `address`, subscribes to every event and serves the
 * protocol suite's expectations. Resolves once the subscription is active
 * (the stream's initial metadata arrived). Returns
 *   {close(), stats, errors, ended}
 * `stats` counts what was handled; `errors` collects failed RPCs; `ended`
 * resolves with the stream's final status.
 */
export async function startProtocolBackend({ address, token = '', log = () => {}, readyTimeoutMs = 5000 } = {}) {
  const Hub = loadHub();
  const client = new Hub(address, grpc.credentials.createInsecure());
  const metadata = () => {
    const md = new grpc.Metadata();
    if (token) md.set('authorization', `Bearer ${token}`);
    return md;
  };
  const stats = { connected: 0, disconnected: 0, echoed: 0, acked: 0 };
  const errors = [];
  const unary = (method, request) =>
    new Promise((resolve) => {
      client[method](request, metadata(), { deadline: Date.now() + 5000 }, (err, res) => {
        if (err) {
          errors.push({ method, request, code: err.code, details: err.details });
          log(`${method} failed: ${err.code} ${err.details}`);
        }
        resolve(res);
      });
    });

  const call = client.Subscribe({}, metadata());
  const ended = new Promise((resolve) => call.on('status', (s) => resolve({ code: s.code, details: s.details })));
  call.on('error', () => {}); // the status carries it

  call.on('data', (ev) => {
    const namespace = ev.namespace;
    const socketId = ev.socket_id;
    if (ev.kind === 'connected') {
      stats.connected++;
      const auth = ev.connected.auth?.length ? Buffer.from(ev.connected.auth) : Buffer.from('{}');
      unary('EmitTo', { namespace, socket_ids: [socketId], payload: { event: 'auth', args: [auth] } });
    } else if (ev.kind === 'disconnected') {
      stats.disconnected++;
    } else if (ev.kind === 'event') {
      const { payload, wants_ack: wantsAck, ack_id: ackId } = ev.event;
      if (payload.event === 'message') {
        stats.echoed++;
        unary('EmitTo', {
          namespace,
          socket_ids: [socketId],
          payload: { event: 'message-back', args: payload.args, attachments: payload.attachments },
        });
      } else if (payload.event === 'message-with-ack' && wantsAck) {
        stats.acked++;
        unary('Ack', {
          namespace,
          socket_id: socketId,
          ack_id: ackId,
          args: payload.args,
          attachments: payload.attachments,
        });
      }
    }
  });

  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no Subscribe metadata from ${address} within ${readyTimeoutMs} ms`)), readyTimeoutMs);
    call.once('metadata', () => {
      clearTimeout(timer);
      resolve();
    });
    ended.then((s) => {
      clearTimeout(timer);
      reject(new Error(`Subscribe to ${address} ended before it was active: ${s.code} ${s.details}`));
    });
  }).catch((err) => {
    call.cancel();
    client.close();
    throw err;
  });
  log(`subscribed to ${address}`);

  return {
    stats,
    errors,
    ended,
    close() {
      call.cancel();
      client.close();
    },
  };
}

// ---------------------------------------------------------------------------
// Command line: keeps serving, resubscribing when the hub goes away.

function parseArgs(argv) {
  const out = { grpc: '127.0.0.1:50051', token: process.env.HUB_GRPC_TOKEN ?? '' };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = () => inline ?? argv[++i];
    if (flag === '--grpc') out.grpc = value();
    else if (flag === '--token') out.token = value();
    else if (flag === '--help' || flag === '-h') out.help = true;
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return out;
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`protocol_backend: ${err.message}`);
    process.exit(2);
  }
  if (opts.help) {
    console.log('usage: node tests/e2e/protocol_backend.mjs --grpc HOST:PORT [--token BEARER_TOKEN]');
    return;
  }
  const log = (msg) => console.log(`protocol_backend: ${msg}`);
  let current = null;
  let stopping = false;
  const stop = () => {
    stopping = true;
    current?.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  for (;;) {
    try {
      current = await startProtocolBackend({ address: opts.grpc, token: opts.token, log });
      log('ready');
      const s = await current.ended;
      log(`stream ended (${s.code} ${s.details}); resubscribing`);
    } catch (err) {
      log(`${err.message}; retrying`);
    }
    current?.close();
    if (stopping) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main();
}
