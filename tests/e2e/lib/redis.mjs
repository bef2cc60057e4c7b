// Redis for the cluster suites: a real redis-server (Debian package) on a
// free loopback port, and the helpers those suites share.

import { spawn } from 'node:child_process';
import net from 'node:net';

import { httpGet, metricValue, waitFor } from './hub.mjs';

/** A TCP port free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts redis-server on `port` (no persistence, `extraArgs` appended) and
 * resolves once it accepts connections. The caller kills the process.
 */
export async function startRedis(port, extraArgs = []) {
  const proc = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs],
    { stdio: 'ignore' },
  );
  process.on('exit', () => proc.kill('SIGKILL'));
  await waitFor(
    () =>
      new Promise((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => {
          s.end();
          resolve(true);
        });
        s.on('error', () => resolve(false));
      }),
    { what: 'redis-server listening', timeoutMs: 5000 },
  );
  return proc;
}

/** A metric of `hub` (0 when absent); `labels` like '{link="pub"}'. */
export async function metric(hub, name, labels = null) {
  const res = await httpGet(`${hub.adminUrl}/metrics`);
  const v = metricValue(res.body, name, labels);
  return Number.isNaN(v) ? 0 : v;
}
