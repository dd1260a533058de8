// Lesson 11: slow clients and backpressure. Read docs/11-backpressure.md first.
// This is the reference solution of lesson 10, so that everyone starts from the
// same place. Check your work with: npm test lesson-11
// One source of events for many clients. Whoever publishes (the ticks, a chat
// message) calls publish() once; the hub numbers the event, keeps it for the
// clients that come back, and sends the same bytes to every open stream.
import type { Writable } from 'node:stream';
import { EventHistory } from './history.ts';
import { formatEvent, type SseEvent } from './sse-format.ts';

export class Hub {
  private readonly subscribers = new Set<Writable>();
  private readonly history: EventHistory;
  private lastId = 0;
  // TODO 2: the hub needs the bound (maxQueuedBytes, from server.ts) and a
  //   count of the clients it dropped. (docs/11-backpressure.md#a-bound-per-client)

  constructor(historySize: number) {
    this.history = new EventHistory(historySize);
  }

  /** How many streams are subscribed right now. */
  get size(): number {
    return this.subscribers.size;
  }

  /** Live events from now on go to `stream` too, until unsubscribe(stream). */
  subscribe(stream: Writable): void {
    this.subscribers.add(stream);
  }

  /** Forgets `stream`: call it as soon as its client has gone. */
  unsubscribe(stream: Writable): void {
    this.subscribers.delete(stream);
  }

  /** The events published after the one with id `lastId` (see EventHistory.after). */
  after(lastId: string): SseEvent[] | undefined {
    return this.history.after(lastId);
  }

  /**
   * Gives the event the next id of the server's one sequence, keeps it, and
   * writes it to every subscriber. It is formatted and encoded once: every
   * stream gets the same Buffer, however many there are.
   */
  publish(event: Omit<SseEvent, 'id'>): SseEvent {
    this.lastId++;
    const numbered: SseEvent = { ...event, id: String(this.lastId) };
    this.history.add(numbered);
    const bytes = Buffer.from(formatEvent(numbered));
    for (const stream of this.subscribers) {
      // TODO 3: write() always takes the bytes, even when the client reads
      //   nothing: then they wait in this process's memory, for ever. Before
      //   writing, look at how much already waits for this stream; past
      //   maxQueuedBytes, drop it instead (TODO 4).
      //   (docs/11-backpressure.md#what-write-returns, docs/11-backpressure.md#a-bound-per-client)
      stream.write(bytes);
    }
    return numbered;
  }

  // TODO 4: dropping a stream: forget it, close its connection and free what
  //   waits for it, count it, and log a line that says so. Waiting for "drain"
  //   is not a way out. (docs/11-backpressure.md#dropping-a-client,
  //   docs/11-backpressure.md#waiting-for-drain-is-not-a-policy)
}
