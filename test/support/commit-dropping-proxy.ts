import { createServer, connect, type Socket } from 'node:net';

/**
 * A fault-injecting TCP proxy on loopback: it forwards a client's connections to a real database
 * server and, when a client sends a COMMIT, forwards it and then cuts the connection, so the
 * server commits and the client never hears back. PostgreSQL: the simple-query message ('Q')
 * whose text is `commit`. TDS: a transaction-manager request (packet type 0x0E) whose request
 * type is TM_COMMIT_XACT (7), which is how tedious commits (not a text COMMIT).
 *
 * `after`: 'this' cuts only the committing connection; 'all' cuts every connection and refuses
 * new ones, so the client cannot read back what happened.
 */
export interface CommitDroppingProxy {
  port: number;
  /** COMMITs forwarded and then cut. */
  commitsCut: number;
  close(): Promise<void>;
}

export async function startCommitDroppingProxy(
  upstream: { host: string; port: number },
  protocol: 'postgres' | 'tds',
  after: 'this' | 'all',
): Promise<CommitDroppingProxy> {
  const sockets = new Set<Socket>();
  let refusing = false;
  const state = { commitsCut: 0 };
  const server = createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const server = connect(upstream.port, upstream.host);
    sockets.add(client).add(server);
    const cutAll = () => {
      for (const s of sockets) s.destroy();
      sockets.clear();
    };
    const find = protocol === 'postgres' ? postgresCommit() : tdsCommit();
    // Once the COMMIT is forwarded, nothing more reaches the client: its answer is lost.
    let muted = false;
    client.on('data', (chunk: Buffer) => {
      const commitAt = find(chunk);
      if (commitAt === undefined) {
        server.write(chunk);
        return;
      }
      // Forward up to the end of the COMMIT, let it reach the server, then cut.
      muted = true;
      server.write(chunk.subarray(0, commitAt), () => {
        state.commitsCut++;
        setTimeout(() => {
          if (after === 'all') {
            refusing = true;
            cutAll();
          } else {
            client.destroy();
            server.destroy();
          }
        }, 50);
      });
    });
    server.on('data', (chunk: Buffer) => muted || client.write(chunk));
    const close = () => {
      client.destroy();
      server.destroy();
      sockets.delete(client);
      sockets.delete(server);
    };
    client.on('close', close).on('error', close);
    server.on('close', close).on('error', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    get commitsCut() {
      return state.commitsCut;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** PostgreSQL's front-end stream: a startup message (no type byte), then typed messages (type, int32 length). */
function postgresCommit() {
  let buffered = Buffer.alloc(0);
  let started = false;
  return (chunk: Buffer): number | undefined => {
    const leftover = buffered.length;
    buffered = Buffer.concat([buffered, chunk]);
    let at = 0;
    for (;;) {
      if (!started) {
        if (buffered.length - at < 8) break;
        const length = buffered.readInt32BE(at);
        if (buffered.length - at < length) break;
        // An SSLRequest (80877103) is followed by the real startup message.
        started = !(length === 8 && buffered.readInt32BE(at + 4) === 80877103);
        at += length;
        continue;
      }
      if (buffered.length - at < 5) break;
      const end = at + 1 + buffered.readInt32BE(at + 1);
      if (buffered.length < end) break;
      if (buffered[at] === 0x51 && buffered.subarray(at + 5, end - 1).toString('utf8').trim().toLowerCase() === 'commit') return end - leftover;
      at = end;
    }
    buffered = buffered.subarray(at);
    return undefined;
  };
}

/** TDS packets (8-byte header, big-endian length at 2); a transaction-manager request's type follows its ALL_HEADERS. */
function tdsCommit() {
  let buffered = Buffer.alloc(0);
  return (chunk: Buffer): number | undefined => {
    const base = buffered.length;
    buffered = Buffer.concat([buffered, chunk]);
    let at = 0;
    while (buffered.length - at >= 8) {
      const length = buffered.readUInt16BE(at + 2);
      if (buffered.length - at < length) break;
      if (buffered[at] === 0x0e) {
        const headers = buffered.readUInt32LE(at + 8);
        const requestType = buffered.readUInt16LE(at + 8 + headers);
        if (requestType === 7) return at + length - base;
      }
      at += length;
    }
    buffered = buffered.subarray(at);
    return undefined;
  };
}
