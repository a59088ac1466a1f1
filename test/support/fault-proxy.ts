// A TCP proxy on loopback in front of a real database server (PostgreSQL or a TDS endpoint) that can
// drop its connections in the middle of a result: once armed, it forwards `bytes` more bytes from
// the server and then closes both sides, so the client loses its connection with a read in flight.
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface FaultProxy {
  host: string;
  port: number;
  /** From now on, each connection gets `bytes` more bytes from the server, then is dropped. Returns the connections armed. */
  dropAfter(bytes: number): number;
  close(): Promise<void>;
}

export function startFaultProxy(upstream: { host: string; port: number }): Promise<FaultProxy> {
  const links = new Set<{ client: Socket; server: Socket; budget: number | undefined }>();
  const proxy = createServer((client) => {
    const server = connect(upstream.port, upstream.host);
    const link = { client, server, budget: undefined as number | undefined };
    links.add(link);
    client.on('data', (data) => server.write(data));
    server.on('data', (data: Buffer) => {
      if (link.budget === undefined) return void client.write(data);
      client.write(data.subarray(0, link.budget));
      link.budget -= Math.min(link.budget, data.length);
      if (link.budget === 0) {
        client.destroy();
        server.destroy();
      }
    });
    const end = () => {
      links.delete(link);
      client.destroy();
      server.destroy();
    };
    for (const socket of [client, server]) {
      socket.on('error', end);
      socket.on('close', end);
    }
  });
  return new Promise((resolve, reject) => {
    proxy.once('error', reject);
    proxy.listen(0, '127.0.0.1', () => {
      resolve({
        host: '127.0.0.1',
        port: (proxy.address() as AddressInfo).port,
        dropAfter(bytes) {
          for (const link of links) link.budget = bytes;
          return links.size;
        },
        close: () =>
          new Promise((r) => {
            for (const link of links) link.client.destroy();
            proxy.close(() => r());
          }),
      });
    });
  });
}
