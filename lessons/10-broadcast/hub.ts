// Lesson 10: one source of events for many clients. Fill this in first:
// docs/10-broadcast.md#one-source-many-subscribers. Check with: npm test lesson-10
//
// Whoever publishes (the ticks, a chat message) calls publish() once; the hub
// numbers the event, keeps it for the clients that come back, and sends it to
// every open stream.
import type { Writable } from 'node:stream';
import { EventHistory } from './history.ts';
import { formatEvent, type SseEvent } from './sse-format.ts';

export class Hub {
  // TODO 1: what the hub keeps: the streams subscribed right now, the history
  //   of the latest events (historySize of them), and the last id it gave out.
  //   (docs/10-broadcast.md#one-source-many-subscribers)

  constructor(historySize: number) {}

  /** Live events from now on go to `stream` too, until unsubscribe(stream). */
  subscribe(stream: Writable): void {
    // TODO 2: remember the stream.
  }

  /** Forgets `stream`: call it as soon as its client has gone. */
  unsubscribe(stream: Writable): void {
    // TODO 3: forget it, at once. (docs/10-broadcast.md#forget-a-client-at-once)
  }

  /** The events published after the one with id `lastId` (see EventHistory.after). */
  after(lastId: string): SseEvent[] | undefined {
    // TODO 4: ask the history. (docs/08-resume.md#a-bounded-history)
    return undefined;
  }

  /** Gives the event the next id, keeps it, and writes it to every subscriber. */
  publish(event: Omit<SseEvent, 'id'>): SseEvent {
    // TODO 5: the next id of the server's one sequence, into the history, then
    //   to every subscriber. Turn the event into bytes once, not once per
    //   stream. (docs/10-broadcast.md#format-once-write-many-times,
    //   docs/10-broadcast.md#one-sequence-for-ticks-and-messages)
    return { ...event };
  }
}
