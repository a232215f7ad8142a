/** Real HTTP(S) servers on loopback for the network-layer tests; no mocks of the network. */

import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo, Socket } from 'node:net';

export interface TestServer {
  server: http.Server;
  host: string;
  port: number;
  /** e.g. http://127.0.0.1:40123 */
  origin: string;
  /** Requests received (path, arrival time from performance.now()). */
  requests: { path: string; at: number; headers: http.IncomingHttpHeaders }[];
  close(): Promise<void>;
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, server: TestServer) => unknown;

export async function startServer(
  handler: Handler,
  opts: { host?: string; tls?: boolean } = {},
): Promise<TestServer> {
  const host = opts.host ?? '127.0.0.1';
  const sockets = new Set<Socket>();
  let self: TestServer;
  const listener: http.RequestListener = (req, res) => {
    self.requests.push({ path: req.url ?? '', at: performance.now(), headers: req.headers });
    void Promise.resolve(handler(req, res, self)).catch((err: unknown) => {
      res.destroy(err as Error);
    });
  };
  const server = opts.tls
    ? https.createServer(
        {
          key: readFileSync(new URL('./fixtures/self-signed.key', import.meta.url)),
          cert: readFileSync(new URL('./fixtures/self-signed.crt', import.meta.url)),
        },
        listener,
      )
    : http.createServer(listener);
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  self = {
    server,
    host,
    port,
    origin: `${opts.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    requests: [],
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return self;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
