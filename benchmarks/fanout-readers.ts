// The clients of one broadcaster of the fan-out benchmark, in a process of
// their own so that reading costs the broadcaster nothing: raw TCP connections
// that send GET <path>, skip the response headers, and count the bytes and the
// events (each ends with a blank line) that reach them. Run by
// benchmarks/fanout.ts, one readers process per broadcaster:
//   node --import tsx benchmarks/fanout-readers.ts
import net from 'node:net';

type Command =
  | { op: 'connect'; host: string; port: number; path: string; count: number }
  | { op: 'mark' }
  | { op: 'count' }
  | { op: 'expect'; events: number }
  | { op: 'close' };

interface Reader {
  socket: net.Socket;
  inBody: boolean;
  head: string;
  bytes: number;
  /** Events with an id: the broadcasts (a welcome or a comment has none). */
  events: number;
  /** Where the reader is in the current line, and whether that line is an id field. */
  column: number;
  idLine: boolean;
  eventHasId: boolean;
  /** The count of events at which this connection has what it waits for. */
  target: number;
}

const readers: Reader[] = [];
/** How many connections have reached their target since the last expect. */
let reached = 0;
let marks = { bytes: 0, events: 0 };

const NEWLINE = 10;
/** Milliseconds on the machine's monotonic clock, which the broadcaster's process reads too. */
const now = () => Number(process.hrtime.bigint()) / 1e6;
const ID_FIELD = [...Buffer.from('id:')];

function open(host: string, port: number, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const reader: Reader = { socket: net.connect(port, host), inBody: false, head: '', bytes: 0, events: 0, column: 0, idLine: false, eventHasId: false, target: Infinity };
    const { socket } = reader;
    socket.once('connect', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nAccept: text/event-stream\r\n\r\n`));
    socket.once('error', reject);
    socket.once('close', () => reject(new Error(`GET ${path}: the server closed the connection before the response`)));
    socket.on('data', (chunk: Buffer) => {
      let body = chunk;
      if (!reader.inBody) {
        reader.head += chunk.toString('latin1');
        const end = reader.head.indexOf('\r\n\r\n');
        if (end === -1) return;
        if (!reader.head.startsWith('HTTP/1.1 200')) {
          reject(new Error(`GET ${path} answered ${JSON.stringify(reader.head.split('\r\n')[0])}`));
          return;
        }
        reader.inBody = true;
        body = Buffer.from(reader.head.slice(end + 4), 'latin1');
        resolve();
      }
      reader.bytes += body.length;
      const before = reader.events;
      for (let i = 0; i < body.length; i++) {
        const char = body[i]!;
        if (char === NEWLINE) {
          // A blank line ends an event; count it when it had an id.
          if (reader.column === 0 && reader.eventHasId) reader.events++;
          if (reader.column === 0) reader.eventHasId = false;
          reader.column = 0;
          continue;
        }
        if (reader.column < 3) {
          reader.idLine = (reader.column === 0 || reader.idLine) && char === ID_FIELD[reader.column];
          if (reader.column === 2 && reader.idLine) reader.eventHasId = true;
        }
        reader.column++;
      }
      if (before < reader.target && reader.events >= reader.target) {
        reached++;
        if (reached === readers.length) process.send?.({ reachedAt: now() });
      }
    });
    readers.push(reader);
  });
}

process.on('message', async (command: Command) => {
  switch (command.op) {
    case 'connect': {
      // At most 500 on their way at once (a burst of thousands would overflow the
      // listen backlog); each one that is in lets the next one start.
      let started = 0;
      const lane = async () => {
        while (started < command.count) {
          started++;
          await open(command.host, command.port, command.path);
        }
      };
      try {
        await Promise.all(Array.from({ length: Math.min(500, command.count) }, lane));
      } catch (error) {
        return process.send?.({ failed: (error as Error).message });
      }
      return process.send?.({ connected: readers.length });
    }
    case 'mark': {
      marks = { bytes: 0, events: 0 };
      for (const reader of readers) {
        marks.bytes += reader.bytes;
        marks.events += reader.events;
      }
      return process.send?.({ marked: true });
    }
    case 'count': {
      // Bytes and events since the mark, over every connection.
      let bytes = -marks.bytes;
      let events = -marks.events;
      for (const reader of readers) {
        bytes += reader.bytes;
        events += reader.events;
      }
      return process.send?.({ bytes, events });
    }
    case 'expect': {
      // Report when every connection has `events` more broadcasts than it has now.
      reached = 0;
      for (const reader of readers) reader.target = reader.events + command.events;
      return process.send?.({ expecting: command.events });
    }
    case 'close': {
      let bytes = -marks.bytes;
      let events = -marks.events;
      for (const reader of readers) {
        bytes += reader.bytes;
        events += reader.events;
        reader.socket.destroy();
      }
      readers.length = 0;
      marks = { bytes: 0, events: 0 };
      return process.send?.({ bytes, events });
    }
  }
});
process.on('disconnect', () => process.exit(0));
