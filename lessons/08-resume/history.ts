// Lesson 08: a bounded history of events, for the clients that come back.
// Fill this in first: docs/08-resume.md#a-bounded-history. Check with: npm test lesson-08
import type { SseEvent } from './sse-format.ts';

export class EventHistory {
  constructor(size: number) {
    // TODO 1: remember `size`, and make room for the events, oldest first.
  }

  /** Keeps the event, and forgets the oldest one once there are more than `size`. */
  add(event: SseEvent): void {
    // TODO 2: keep the event. Never keep more than `size` events, however long
    //   the server runs. (docs/08-resume.md#a-bounded-history)
  }

  /**
   * The events that came after the one whose id is `lastId`, oldest first (none
   * if it is the newest). Undefined when no kept event has that id: it is too
   * old, or this server never sent it, so what came after it is unknown.
   */
  after(lastId: string): SseEvent[] | undefined {
    // TODO 3: find the kept event with this id and return the ones after it.
    //   (docs/08-resume.md#a-bounded-history)
    return undefined;
  }
}
