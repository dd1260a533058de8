// The last events of the stream, kept so that a client that comes back can be
// sent what it missed. Bounded: it never holds more than `size` events, however
// long the server runs.
import type { SseEvent } from './sse-format.ts';

export class EventHistory {
  private readonly size: number;
  private readonly events: SseEvent[] = [];

  constructor(size: number) {
    this.size = size;
  }

  /** Keeps the event, and forgets the oldest one once there are more than `size`. */
  add(event: SseEvent): void {
    this.events.push(event);
    if (this.events.length > this.size) {
      this.events.shift();
    }
  }

  /**
   * The events that came after the one whose id is `lastId`, oldest first
   * (none if it is the newest). Undefined when no kept event has that id: it is
   * too old, or this server never sent it, so what came after it is unknown.
   */
  after(lastId: string): SseEvent[] | undefined {
    const index = this.events.findIndex((event) => event.id === lastId);
    if (index === -1) {
      return undefined;
    }
    return this.events.slice(index + 1);
  }
}
