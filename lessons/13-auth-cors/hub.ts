// One source of events for many clients. Whoever publishes (the ticks, a chat
// message) calls publish() once; the hub numbers the event, keeps it for the
// clients that come back, and sends the same bytes to every open stream.
// A stream whose client stopped reading is dropped before what waits for it
// grows past maxQueuedBytes: one slow client cannot fill the server's memory.
// close() ends every stream at once, when the stream is over or the server stops.
import type { Writable } from 'node:stream';
import { EventHistory } from './history.ts';
import { formatEvent, type SseEvent } from './sse-format.ts';

export class Hub {
  private readonly subscribers = new Set<Writable>();
  private readonly history: EventHistory;
  private readonly maxQueuedBytes: number;
  private lastId = 0;
  private droppedCount = 0;

  constructor(historySize: number, maxQueuedBytes: number) {
    this.history = new EventHistory(historySize);
    this.maxQueuedBytes = maxQueuedBytes;
  }

  /** How many streams were dropped so far because their client stopped reading. */
  get dropped(): number {
    return this.droppedCount;
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
   * stream gets the same Buffer, however many there are. A subscriber that
   * still has more than maxQueuedBytes waiting from earlier events is dropped
   * instead of being written to.
   */
  publish(event: Omit<SseEvent, 'id'>): SseEvent {
    this.lastId++;
    const numbered: SseEvent = { ...event, id: String(this.lastId) };
    this.history.add(numbered);
    const bytes = Buffer.from(formatEvent(numbered));
    for (const stream of this.subscribers) {
      // writableLength: the bytes this stream holds in memory because the
      // network has not taken them yet. write() returning false says the same,
      // but only that it is "a lot"; this says how much.
      if (stream.writableLength > this.maxQueuedBytes) {
        this.drop(stream);
      } else {
        stream.write(bytes);
      }
    }
    return numbered;
  }

  /**
   * Ends every open stream: each gets `last` (when given) and then the end of
   * its response, and is forgotten. An EventSource whose stream ends this way
   * reconnects after its retry delay, to whichever server then answers.
   */
  close(last?: Omit<SseEvent, 'id'>): void {
    const bytes = last ? Buffer.from(formatEvent(last)) : undefined;
    for (const stream of this.subscribers) {
      if (bytes) {
        stream.write(bytes);
      }
      stream.end();
    }
    this.subscribers.clear();
  }

  /**
   * Its client stopped reading (or reads far slower than we publish). Waiting
   * for "drain" could take for ever, so give up on it: forget the stream and
   * destroy it, which closes its connection and frees what was queued. An
   * EventSource that is still there reconnects, with Last-Event-ID.
   */
  private drop(stream: Writable): void {
    const queued = stream.writableLength;
    this.subscribers.delete(stream);
    this.droppedCount++;
    stream.destroy();
    console.warn(
      `Dropped a slow client: ${queued} bytes were waiting to be sent (maxQueuedBytes: ${this.maxQueuedBytes}); ${this.droppedCount} dropped so far.`,
    );
  }
}
