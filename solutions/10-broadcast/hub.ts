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
      stream.write(bytes);
    }
    return numbered;
  }
}
