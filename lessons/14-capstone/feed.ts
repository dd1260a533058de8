// Where events come from and where they are kept: in this process
// (memory-feed.ts) or in Redis, shared by every process (redis-feed.ts).
// server.ts only talks to this interface, so it does not care which one runs.
import type { SseEvent } from './sse-format.ts';

export interface Feed {
  /**
   * Gives the event its id, keeps it for clients that come back, and has it
   * delivered to every process's hub, this one's included. Rejects when the
   * event could not be shared.
   */
  publish(event: Omit<SseEvent, 'id'>): Promise<SseEvent>;
  /**
   * The events after the one with id `lastId`, oldest first; undefined when
   * that id is not kept any more (or never was): the client must start over.
   */
  after(lastId: string): Promise<SseEvent[] | undefined>;
  /** Stops listening for events (a clean stop). */
  close(): Promise<void>;
}

/** What a feed calls, once per event and in order, to hand it to this process's hub. */
export type Deliver = (event: SseEvent) => void;
