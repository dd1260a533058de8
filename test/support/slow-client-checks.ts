// Lesson 11's checks of a client that stops reading, as later lessons carry
// them forward (the capstone too): a raw client reads the welcome and never
// reads again while the test publishes large chat messages; the server's heap
// plus Buffers (measured in its own process after a full GC) must stay under a
// bound, a fast client on the same server must get every event on time, and the
// stalled client must be dropped. Each suite passes the docs sections its
// messages point to, and a token when its server wants one (lesson 13 on).
import { afterEach } from 'vitest';
import { chats } from './chat-checks.ts';
import type { Memory, RunningServer, Stats } from './lesson-host.ts';
import { pollUntil, until } from './poll.ts';
import type { Stream } from './sse.ts';
import { openStalledClient, type StalledClient } from './stalled-client.ts';
import { check, teach } from './teach.ts';

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const mb = (bytes: number) => `${(bytes / MiB).toFixed(1)} MB`;

/** One chat message: 96 KiB of text, under express.json()'s default limit of 100 kB. */
export const TEXT_BYTES = 96 * KiB;
/** Messages posted at once; the fast client gets each batch before the next one. */
export const BATCH = 4;
/** How far the server's heap plus Buffers may grow while one client stalls. */
export const MEMORY_BOUND = 10 * MiB;

const used = (memory: Memory) => memory.heapUsed + memory.external;

export interface SlowClientReading {
  /** Where "what you start from" is (the routes of earlier lessons). */
  carried: string;
  /** Where res.write()'s return value is taught (memory grows). */
  write: string;
  /** Where waiting for "drain" is taught (the fast client waits). */
  drain: string;
  /** Where the bound per client is taught (the wrong client is dropped). */
  bound: string;
  /** Where dropping a client (destroy, count, log) is taught. */
  drop: string;
}

export interface Flood {
  /** Bytes of text published. */
  published: number;
  /** The largest growth of heap plus Buffers measured, and after how many bytes published. */
  peak: number;
  peakAfter: number;
}

/** `?token=` for GET /events, and `Authorization: Bearer` for POST /messages, when a token is given. */
const eventsPath = (token?: string) => (token ? `/events?token=${encodeURIComponent(token)}` : '/events');
const bearer = (token?: string): Record<string, string> => (token ? { Authorization: `Bearer ${token}` } : {});

export function slowClientChecks(read: SlowClientReading) {
  const stalled: StalledClient[] = [];
  afterEach(() => {
    for (const client of stalled.splice(0)) client.close();
  });

  /** A raw client that reads the welcome event and then never reads again. */
  async function stall(server: RunningServer, token?: string): Promise<StalledClient> {
    try {
      const client = await openStalledClient(server.port, eventsPath(token), (text) => /Hello/.test(text), 3000);
      stalled.push(client);
      return client;
    } catch (error) {
      await server.assertResponsive(read.carried);
      teach({
        expected: `GET ${token ? '/events?token=<a token from POST /login>' : '/events'} to send its headers and welcome event right away`,
        got: (error as Error).message,
        read: read.carried,
      });
    }
  }

  /**
   * POSTs one large chat message over a kept-alive connection (fetch's pool):
   * a handful of connections for the whole flood, not one per message, so that
   * the test's own requests leave nothing behind in the server's process.
   */
  async function publish(server: RunningServer, text: string, token?: string): Promise<void> {
    let status: number | string;
    try {
      const response = await fetch(`${server.url}/messages`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...bearer(token) },
        body: JSON.stringify({ text }),
        signal: AbortSignal.timeout(5000),
      });
      await response.arrayBuffer();
      status = response.status;
    } catch (error) {
      await server.assertResponsive(read.carried);
      status = (error as Error).message;
    }
    check(typeof status === 'number' && status >= 200 && status < 300, {
      expected: `POST /messages${token ? ' with a token' : ''} and a ${TEXT_BYTES / KiB} KiB text to be accepted (a 2xx status), as in lesson 10`,
      got: typeof status === 'number' ? `status ${status}` : `no answer: ${status}`,
      read: read.carried,
    });
  }

  /**
   * Publishes `totalBytes` of chat text in batches, checking after each that the
   * fast client got all of it within `onTimeMs`, and every few batches that the
   * server's memory grew by less than `memoryBound` (MEMORY_BOUND unless given). Fails at the first breach.
   */
  async function flood(
    server: RunningServer,
    fast: Stream,
    totalBytes: number,
    maxQueuedBytes: number | undefined,
    { token, onTimeMs = 4000, memoryBound = MEMORY_BOUND }: { token?: string; onTimeMs?: number; memoryBound?: number } = {},
  ): Promise<Flood> {
    // Warm up first: the first large POST loads and compiles what parses JSON
    // bodies, once. The bound is about what grows with the messages.
    let sent = chats(fast.events).length;
    for (let i = 0; i < BATCH; i++) await publish(server, 'w'.repeat(TEXT_BYTES), token);
    sent += BATCH;
    await until(() => chats(fast.events).length >= sent || fast.ended(), onTimeMs);
    const base = used(await server.memory());
    const result: Flood = { published: 0, peak: 0, peakAfter: 0 };
    const batches = Math.ceil(totalBytes / (TEXT_BYTES * BATCH));
    const bound = maxQueuedBytes === undefined ? 'createApp() without maxQueuedBytes' : `maxQueuedBytes: ${maxQueuedBytes / KiB} KiB`;
    for (let batch = 0; batch < batches; batch++) {
      await Promise.all(
        Array.from({ length: BATCH }, () => {
          const n = ++sent;
          return publish(server, `${n}:${'x'.repeat(TEXT_BYTES - String(n).length - 1)}`, token);
        }),
      );
      result.published += BATCH * TEXT_BYTES;
      const publishedAt = performance.now();
      await until(() => chats(fast.events).length >= sent || fast.ended(), onTimeMs);
      const got = chats(fast.events).length;
      if (got < sent) await server.assertResponsive(read.drain);
      check(got >= sent, {
        expected: `a client that reads to get every message within ${onTimeMs / 1000} s, while another client on the same server has stopped reading`,
        got: fast.ended()
          ? `the reading client's stream ended after ${got} of ${sent} messages: your server dropped the wrong client`
          : `the reading client had ${got} of the ${sent} messages ${Math.round(performance.now() - publishedAt)} ms after the last one was published`,
        hint: fast.ended()
          ? 'Drop a client only when what waits for it has grown past maxQueuedBytes, not whenever write() returns false.'
          : 'Something waits for the stalled client before it writes to the others. "drain" never comes for a client that stopped reading.',
        read: fast.ended() ? read.bound : read.drain,
      });
      if ((batch + 1) % 4 === 0 || batch === batches - 1) {
        const growth = used(await server.memory()) - base;
        if (process.env.WORKSHOP_MEMORY_REPORT) process.stderr.write(`  after ${mb(result.published)}: +${mb(growth)}\n`);
        if (growth > result.peak) {
          result.peak = growth;
          result.peakAfter = result.published;
        }
        check(growth <= memoryBound, {
          expected: `the server's memory (heap plus Buffers, after garbage collection) to grow by at most ${mb(memoryBound)} while one client stops reading (${bound})`,
          got: `it grew by ${mb(growth)} after ${mb(result.published)} of messages were published (peak ${mb(result.peak)}, bound ${mb(memoryBound)}): every event waits in memory for the client that does not read, and nothing stops the queue from growing`,
          hint: 'res.write() never refuses: when the client does not read, it keeps the bytes in memory and returns false. Look at how much waits for a client before writing to it.',
          read: read.write,
        });
      }
    }
    return result;
  }

  /** Fails unless the stalled client's connection was closed by the server within 2 s. */
  async function expectDropped(server: RunningServer, before: Stats, flooded: Flood, readHere = read.drop): Promise<void> {
    // The fast client stays; the stalled one must be gone.
    const after = await pollUntil(() => server.stats(), (stats) => stats.openResponses <= before.openResponses - 1, 2000);
    check(after.openResponses <= before.openResponses - 1, {
      expected: `the client that stopped reading to be dropped (its response ended, its connection closed) within 2 s, once more than maxQueuedBytes waited for it`,
      got: `${mb(flooded.published)} of messages later it is still connected (${after.openResponses} responses open, as before)`,
      hint:
        flooded.peak > 4 * MiB
          ? `Nothing limits what waits for it: the server's memory grew by ${mb(flooded.peak)} while it wrote to a client that reads nothing.`
          : 'Forgetting the stream is not enough, and neither is res.end(): both leave its connection open with its queue in memory, for as long as the client stays silent. Destroy it.',
      read: readHere,
    });
  }

  /** Fails unless the server printed something since `linesBefore` lines of its output (or has a full log). */
  function expectDropLogged(output: string[], linesBefore: number): void {
    check(output.length > linesBefore || output.length >= 40, {
      expected: 'a line in the server\'s log when it drops a client (and how many it dropped so far), so that whoever runs it can see it happen',
      got: 'the server printed nothing while it dropped the client',
      hint: 'console.warn is enough here.',
      read: read.drop,
    });
  }

  return { stall, publish, flood, expectDropped, expectDropLogged };
}
