// A complete backend for Hub in Node with @grpc/grpc-js: it greets every
// client that connects, answers `hello` with `greet`, answers acks of
// `add` with the sum of its arguments, and relays `chat` messages to a room.
//
//   node examples/node_backend/backend.mjs [hub-grpc-address]   (default localhost:50051)
//
// Set HUB_GRPC_TOKEN when the hub runs with --grpc_token.

import path from 'node:path';
import { fileURLToPath } from 'node:url';

import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

const here = path.dirname(fileURLToPath(import.meta.url));
const protoPath = path.join(here, '..', '..', 'proto', 'hub', 'v1', 'hub.proto');
const definition = protoLoader.loadSync(protoPath, {
  keepCase: true, longs: String, enums: String, defaults: true, oneofs: true,
});
const { Hub } = grpc.loadPackageDefinition(definition).hub.v1;

const address = process.argv[2] ?? process.env.HUB_GRPC_ADDR ?? 'localhost:50051';
const hub = new Hub(address, grpc.credentials.createInsecure());
const metadata = new grpc.Metadata();
if (process.env.HUB_GRPC_TOKEN) metadata.set('authorization', `Bearer ${process.env.HUB_GRPC_TOKEN}`);

// Every argument is one JSON value as bytes.
const encode = (value) => Buffer.from(JSON.stringify(value));
const decode = (bytes) => JSON.parse(bytes.toString('utf8'));
const call = (method, request) =>
  new Promise((resolve, reject) => hub[method](request, metadata, (err, res) => (err ? reject(err) : resolve(res))));

async function onEvent(ev) {
  if (ev.connected) {
    await call('JoinRooms', { selector: { namespace: ev.namespace, socket_ids: [ev.socket_id] }, rooms: ['lobby'] });
    await call('EmitTo', {
      namespace: ev.namespace, socket_ids: [ev.socket_id],
      payload: { event: 'welcome', args: [encode({ id: ev.socket_id, transport: ev.connected.transport })] },
    });
    return;
  }
  if (!ev.event) return;
  const { payload, wants_ack, ack_id } = ev.event;
  const args = payload.args.map(decode);
  switch (payload.event) {
    case 'hello':
      await call('EmitTo', {
        namespace: ev.namespace, socket_ids: [ev.socket_id],
        payload: { event: 'greet', args: [encode(`hello, ${args[0]}`)] },
      });
      break;
    case 'add':
      if (wants_ack) {
        const sum = args.reduce((a, b) => a + b, 0);
        await call('Ack', { namespace: ev.namespace, socket_id: ev.socket_id, ack_id, args: [encode(sum)] });
      }
      break;
    case 'chat':
      await call('Broadcast', {
        selector: { namespace: ev.namespace, rooms: ['lobby'], except_socket_ids: [ev.socket_id] },
        payload: { event: 'chat', args: [encode({ from: ev.socket_id, text: args[0] })] },
      });
      break;
    default:
      break;
  }
}

const stream = hub.Subscribe({ namespaces: [], events: ['connect', 'hello', 'add', 'chat'] }, metadata);
stream.on('metadata', () => console.log(`backend: subscribed to ${address}`));
stream.on('data', (ev) => onEvent(ev).catch((err) => console.error(`backend: ${err.message}`)));
stream.on('error', (err) => {
  console.error(`backend: stream ended: ${err.message}`);
  process.exitCode = 1;
});
stream.on('end', () => process.exit());
process.on('SIGTERM', () => {
  stream.cancel();
  hub.close();
  process.exit(0);
});
