// The embedded feed: one process, no configuration. Events are numbered
// 1, 2, 3..., kept in a bounded history (lesson 08) and delivered at once.
import type { Deliver, Feed } from './feed.ts';
import { EventHistory } from './history.ts';
import type { SseEvent } from './sse-format.ts';

export class MemoryFeed implements Feed {
  private readonly history: EventHistory;
  private readonly deliver: Deliver;
  private lastId = 0;

  constructor(historySize: number, deliver: Deliver) {
    this.history = new EventHistory(historySize);
    this.deliver = deliver;
  }

  async publish(event: Omit<SseEvent, 'id'>): Promise<SseEvent> {
    this.lastId++;
    const numbered: SseEvent = { ...event, id: String(this.lastId) };
    this.history.add(numbered);
    this.deliver(numbered);
    return numbered;
  }

  async after(lastId: string): Promise<SseEvent[] | undefined> {
    return this.history.after(lastId);
  }

  async close(): Promise<void> {}
}
