// A TDS endpoint on loopback that records what a client sends, packet by packet, for the tests of
// what cw-maint lets out before encryption. Two kinds:
// - a fake server: it answers PRELOGIN with the ENCRYPTION value it is given (NOT_SUP by default),
//   and, if told to, accepts any LOGIN7 and answers requests or drops the connection;
// - a recording proxy in front of a real server (Babelfish), which forwards every byte.
// Either way `packets` lists the type byte of every TDS packet the client sent, per connection.
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** TDS packet types (MS-TDS 2.2.3.1.1). */
export const TDS = { SQL_BATCH: 0x01, RPC: 0x03, TABULAR_RESULT: 0x04, ATTENTION: 0x06, LOGIN7: 0x10, PRELOGIN: 0x12 } as const;
/** PRELOGIN ENCRYPTION values (MS-TDS 2.2.6.5). */
export const ENCRYPTION = { OFF: 0x00, ON: 0x01, NOT_SUP: 0x02, REQ: 0x03 } as const;

export interface RecordingTdsEndpoint {
  host: string;
  port: number;
  /** The type of every packet each client connection sent, in order (one array per connection). */
  packets: number[][];
  /** Resolves when `count` connections have closed (the client's side or ours). */
  closed(count?: number): Promise<void>;
  close(): Promise<void>;
}

export interface FakeTdsOptions {
  /** What the PRELOGIN answer says about encryption. */
  encryption?: number;
  /** What to do with a LOGIN7: accept it (LOGINACK), or close the connection. */
  login?: 'accept' | 'close';
  /**
   * After an accepted login: answer each request with DONE, or drop the connection at the first
   * request that is neither the driver's session settings (tedious's initial SQL batch) nor the
   * pool's `select 1` check (Kysely validates each connection it hands out).
   */
  requests?: 'answer' | 'drop';
}

export function startFakeTdsServer(options: FakeTdsOptions = {}): Promise<RecordingTdsEndpoint> {
  const encryption = options.encryption ?? ENCRYPTION.NOT_SUP;
  return listen((client, record) => {
    let requestsAfterLogin = 0;
    let message: Buffer[] = [];
    splitPackets(client, (type, last, payload) => {
      record(type);
      message.push(payload);
      if (!last) return;
      const text = Buffer.concat(message).toString('utf16le');
      message = [];
      if (type === TDS.PRELOGIN) client.write(packet(TDS.TABULAR_RESULT, preloginAnswer(encryption)));
      else if (type === TDS.LOGIN7) {
        if (options.login === 'accept') client.write(packet(TDS.TABULAR_RESULT, Buffer.concat([loginAck(), done()])));
        else client.destroy();
      } else if (type === TDS.SQL_BATCH || type === TDS.RPC) {
        const own = requestsAfterLogin++ === 0 || /select 1($|[^\x20-\x7e])/.test(text);
        if (!own && options.requests === 'drop') client.destroy();
        else client.write(packet(TDS.TABULAR_RESULT, done()));
      }
    });
  });
}

/** A proxy to a real TDS server that records the packet types the client sends (until either side starts TLS). */
export function startTdsRecorder(upstream: { host: string; port: number }): Promise<RecordingTdsEndpoint> {
  return listen((client, record) => {
    const server = connect(upstream.port, upstream.host);
    client.on('data', (data) => server.write(data));
    server.on('data', (data) => client.write(data));
    splitPackets(client, (type) => record(type));
    client.on('close', () => server.destroy());
    server.on('close', () => client.destroy());
    server.on('error', () => client.destroy());
  });
}

function listen(handle: (client: Socket, record: (type: number) => void) => void): Promise<RecordingTdsEndpoint> {
  const packets: number[][] = [];
  let closedCount = 0;
  const waiting: Array<{ count: number; resolve: () => void }> = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const mine: number[] = [];
    packets.push(mine);
    sockets.add(client);
    client.on('error', () => undefined);
    client.on('close', () => {
      sockets.delete(client);
      closedCount++;
      for (const w of waiting.filter((w) => closedCount >= w.count)) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve();
      }
    });
    handle(client, (type) => mine.push(type));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve({
        host: '127.0.0.1',
        port: (server.address() as AddressInfo).port,
        packets,
        closed: (count = 1) => (closedCount >= count ? Promise.resolve() : new Promise((r) => waiting.push({ count, resolve: r }))),
        close: () =>
          new Promise((r) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}

/** Cuts the client's byte stream into TDS packets (8-byte header; length is big-endian at 2). */
function splitPackets(socket: Socket, onPacket: (type: number, lastOfMessage: boolean, payload: Buffer) => void): void {
  let pending = Buffer.alloc(0);
  socket.on('data', (data: Buffer) => {
    pending = Buffer.concat([pending, data]);
    while (pending.length >= 8) {
      const length = pending.readUInt16BE(2);
      if (length < 8 || pending.length < length) break;
      const type = pending[0]!;
      const status = pending[1]!;
      const payload = pending.subarray(8, length);
      pending = pending.subarray(length);
      onPacket(type, (status & 0x01) === 0x01, payload);
    }
  });
}

function packet(type: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt8(type, 0);
  header.writeUInt8(0x01, 1); // end of message
  header.writeUInt16BE(8 + payload.length, 2);
  header.writeUInt8(1, 6); // packet id
  return Buffer.concat([header, payload]);
}

/** PRELOGIN answer: VERSION and ENCRYPTION options, then the terminator and their data. */
function preloginAnswer(encryption: number): Buffer {
  const options = [
    { token: 0x00, data: Buffer.from([16, 0, 0, 0, 0, 0]) }, // VERSION 16.0.0.0
    { token: 0x01, data: Buffer.from([encryption]) }, // ENCRYPTION
  ];
  const head = Buffer.alloc(options.length * 5 + 1);
  let dataOffset = head.length;
  options.forEach((option, i) => {
    head.writeUInt8(option.token, i * 5);
    head.writeUInt16BE(dataOffset, i * 5 + 1);
    head.writeUInt16BE(option.data.length, i * 5 + 3);
    dataOffset += option.data.length;
  });
  head.writeUInt8(0xff, options.length * 5);
  return Buffer.concat([head, ...options.map((o) => o.data)]);
}

/** LOGINACK token (0xAD): interface T-SQL, TDS 7.4, program name "fake", version 16.0.0.0. */
function loginAck(): Buffer {
  const name = Buffer.from('fake', 'utf16le');
  const body = Buffer.concat([Buffer.from([0x01]), Buffer.from([0x74, 0x00, 0x00, 0x04]), Buffer.from([name.length / 2]), name, Buffer.from([16, 0, 0, 0])]);
  const head = Buffer.alloc(3);
  head.writeUInt8(0xad, 0);
  head.writeUInt16LE(body.length, 1);
  return Buffer.concat([head, body]);
}

/** DONE token (0xFD): final, no row count (TDS 7.2+: an 8-byte row count). */
function done(): Buffer {
  const token = Buffer.alloc(13);
  token.writeUInt8(0xfd, 0);
  return token;
}
