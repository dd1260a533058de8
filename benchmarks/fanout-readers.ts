// The clients of the fan-out benchmark, in a process of their own so that
// reading costs the broadcaster nothing: raw TCP connections that send
// GET /events, skip the response headers, and count the bytes and the events
// (each ends with a blank line) that reach them. Run by benchmarks/fanout.ts:
//   node --import tsx benchmarks/fanout-readers.ts
import net from 'node:net';

type Command = { op: 'connect'; port: number; count: number } | { op: 'mark' } | { op: 'expect'; events: number } | { op: 'close' };

interface Reader {
  socket: net.Socket;
  inBody: boolean;
  head: string;
  bytes: number;
  events: number;
  lastChar: number;
}

const readers: Reader[] = [];
/** How many connections have seen `target` events since the mark, and when the last one did. */
let target = Infinity;
let reached = 0;
let marks = { bytes: 0, events: 0 };

const NEWLINE = 10;

function open(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const reader: Reader = { socket: net.connect(port, '127.0.0.1'), inBody: false, head: '', bytes: 0, events: 0, lastChar: 0 };
    const { socket } = reader;
    socket.setNoDelay(true);
    socket.once('connect', () => socket.write('GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n'));
    socket.once('error', reject);
    socket.on('data', (chunk: Buffer) => {
      let body = chunk;
      if (!reader.inBody) {
        reader.head += chunk.toString('latin1');
        const end = reader.head.indexOf('\r\n\r\n');
        if (end === -1) return;
        reader.inBody = true;
        body = Buffer.from(reader.head.slice(end + 4), 'latin1');
        resolve();
      }
      reader.bytes += body.length;
      const before = reader.events;
      for (let i = 0; i < body.length; i++) {
        const char = body[i]!;
        if (char === NEWLINE && reader.lastChar === NEWLINE) reader.events++;
        reader.lastChar = char;
      }
      if (before < target && reader.events >= target) {
        reached++;
        if (reached === readers.length) process.send?.({ reachedAt: performance.timeOrigin + performance.now() });
      }
    });
    readers.push(reader);
  });
}

process.on('message', async (command: Command) => {
  switch (command.op) {
    case 'connect': {
      // A few hundred at a time: a burst of thousands overflows the listen backlog.
      for (let i = 0; i < command.count; i += 250) {
        await Promise.all(Array.from({ length: Math.min(250, command.count - i) }, () => open(command.port)));
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
    case 'expect': {
      // Report when every connection has `events` more than the one that has most now (a
      // connection whose welcome is still on its way then gets the welcome and the new events).
      reached = 0;
      target = Math.max(...readers.map((reader) => reader.events)) + command.events;
      return process.send?.({ expecting: target });
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
      return process.send?.({ bytes, events });
    }
  }
});
process.on('disconnect', () => process.exit(0));
