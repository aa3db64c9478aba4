/**
 * Serving the app over HTTP. The server refuses to listen beyond loopback without an API token: an
 * open job API on a network is a remote-control for everything the workers can reach.
 */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { Hono } from 'hono';
import { ConfigError } from '../config.ts';

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function startHttpServer(app: Hono<any>, { host, port, apiToken }: { host: string; port: number; apiToken: string | undefined }): Promise<RunningServer> {
  if (!isLoopback(host) && !apiToken) {
    throw new ConfigError([`refusing to listen on ${host} without SYNCBRIDGE_API_TOKEN: set a token, or use HOST=127.0.0.1`]);
  }
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port }, () => resolve(s));
    s.once('error', reject);
  });
  const actual = (server.address() as AddressInfo).port;
  const shown = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${actual}`,
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Idle keep-alive connections would hold close() open.
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}
