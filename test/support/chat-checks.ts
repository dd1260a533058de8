// The chat of lesson 10, as later lessons carry it forward: open a stream and
// wait for its welcome, POST /messages (with supertest), and check that every
// client got the chat messages once, in order. Each suite passes the docs
// sections its messages point to.
import request from 'supertest';
import { connect } from './expect-sse.ts';
import type { RunningServer } from './lesson-host.ts';
import { until } from './poll.ts';
import type { ReceivedEvent, Stream } from './sse.ts';
import { check, showBytes, teach } from './teach.ts';

export const chats = (events: ReceivedEvent[]) => events.filter((event) => event.type === 'chat');
export const ticks = (events: ReceivedEvent[]) => events.filter((event) => event.type === 'tick');
/** Every event but the welcome. */
export const live = (events: ReceivedEvent[]) => events.filter((event) => event.type !== 'welcome');
export const showEvents = (events: ReceivedEvent[], max = 6) =>
  events
    .slice(0, max)
    .map((event) => `${event.type}${event.id ? ` #${event.id}` : ''} ${showBytes(event.data, 40)}`)
    .join(', ') + (events.length > max ? `, … (${events.length} in all)` : '');

export interface ChatReading {
  /** Where POST /messages is taught. */
  publish: string;
  /** Where the hub (every client gets every event) is taught. */
  hub: string;
  /** Where "what you start from" is: the welcome event of lesson 07. */
  carried: string;
}

export function chatChecks(read: ChatReading) {
  /** Opens /events (or `path`, e.g. /events?token=…) and waits for the welcome event, so the stream is subscribed. */
  async function join(server: RunningServer, readHere: string, withinMs = 2000, headers?: Record<string, string>, path?: string): Promise<Stream> {
    const stream = await connect(server, readHere, { withinMs, headers, path });
    await until(() => stream.events.some((event) => event.type === 'welcome') || stream.ended(), withinMs);
    if (!stream.events.some((event) => event.type === 'welcome')) {
      await server.assertResponsive(readHere);
      teach({
        expected: 'GET /events to send its welcome event first, as in lesson 07',
        got: stream.events.length ? `the events ${showEvents(stream.events)}` : `no event within ${withinMs} ms: ${showBytes(stream.raw(), 160)}`,
        read: read.carried,
      });
    }
    return stream;
  }

  /** POSTs to /messages and returns the response; no answer within 2 s is a teaching failure. */
  async function say(server: RunningServer, body: unknown): Promise<request.Response> {
    const call = request(server.url).post('/messages').timeout(2000);
    const sent = typeof body === 'string' ? call.set('Content-Type', 'application/json').send(body) : call.send(body as object);
    return sent.catch(async (error: Error) => {
      await server.assertResponsive(read.publish);
      teach({
        expected: 'POST /messages to answer within 2 s',
        got: error.message,
        hint: 'Every request needs an answer: a status, and a body if you like.',
        read: read.publish,
      });
    });
  }

  /** POSTs a text and fails with a teaching message unless the server accepted it (any 2xx). */
  async function post(server: RunningServer, text: string): Promise<void> {
    const response = await say(server, { text });
    check(response.status >= 200 && response.status < 300, {
      expected: `POST /messages with the JSON body ${JSON.stringify({ text }).slice(0, 80)} to be accepted (a 2xx status)`,
      got: `status ${response.status}${response.status === 404 ? ' (no route answers POST /messages yet)' : response.text ? `: ${showBytes(response.text, 120)}` : ''}`,
      hint: response.status === 404 ? 'Add a route for POST /messages that reads a JSON body.' : undefined,
      read: read.publish,
    });
  }

  /** Waits until every stream received the chat texts (or one ended); fails with what each got. */
  async function expectChats(server: RunningServer, streams: Stream[], texts: string[], withinMs: number, readHere = read.hub): Promise<void> {
    await until(() => streams.every((stream) => chats(stream.events).length >= texts.length || stream.ended()), withinMs);
    for (const [i, stream] of streams.entries()) {
      const got = chats(stream.events).map((event) => event.data);
      if (got.length < texts.length) await server.assertResponsive(readHere);
      check(got.length === texts.length && got.every((data, k) => data === texts[k]), {
        expected: `every connected client (${streams.length} here) to get each chat message once, in the order they were posted, with its text unchanged: ${texts.map((t) => showBytes(t, 30)).join(', ')}`,
        got: `client ${i + 1} got ${got.length ? got.map((data) => showBytes(data, 30)).join(', ') : `no chat event within ${withinMs} ms`}${stream.ended() ? ' (then its response ended)' : ''}`,
        hint:
          got.length === 0
            ? 'A message posted to /messages must go to every open stream as an event named "chat".'
            : got.length > texts.length
              ? 'Some message reached this client more than once: is a stream subscribed twice?'
              : undefined,
        read: readHere,
      });
    }
  }

  return { join, say, post, expectChats };
}
