// A client that connects to an event stream, reads the first bytes, and then
// stops reading for good, as a browser tab frozen in the background or a phone
// in a tunnel does: its socket stays open, nothing is read, so its receive
// window fills and whatever the server writes next waits in the server's memory.
// A raw TCP socket, so that no HTTP library reads on our behalf.
import net from 'node:net';

export interface StalledClient {
  /** The bytes it read before it stopped: the headers and the start of the stream. */
  firstBytes: string;
  /** True once the connection is gone (seen only when the server resets it, or after close()). */
  closed(): boolean;
  close(): void;
}

/**
 * GETs `path` on 127.0.0.1:`port` with a raw socket, waits until `ready` holds
 * for what was read (e.g. the welcome event arrived), then pauses reading for
 * ever. Rejects when that does not happen within `withinMs`.
 */
export function openStalledClient(
  port: number,
  path: string,
  ready: (text: string) => boolean,
  withinMs: number,
): Promise<StalledClient> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    let closed = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no ready stream within ${withinMs} ms; read ${JSON.stringify(text.slice(0, 200))}`));
    }, withinMs);
    socket.on('close', () => {
      closed = true;
    });
    socket.on('error', () => {});
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n`);
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (!ready(text)) return;
      clearTimeout(timer);
      socket.off('data', onData);
      // From here on nothing reads this socket: the kernel's buffers fill, then the server's.
      socket.pause();
      resolve({
        firstBytes: text,
        closed: () => closed,
        close: () => socket.destroy(),
      });
    };
    socket.on('data', onData);
  });
}
