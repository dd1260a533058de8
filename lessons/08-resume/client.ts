import { EventSource } from 'eventsource';

/** What the client passes on for each event it listens for. */
export interface ClientEvent {
  /** The event type: "welcome" or "tick". */
  type: string;
  /** The last event id the client holds: this event's, or an earlier one's if it had none. */
  id: string;
  data: string;
}

/**
 * Connects to an SSE endpoint and calls onEvent for every welcome and tick event.
 * EventSource reconnects by itself; the returned function closes the connection for good.
 */
export function subscribe(url: string, onEvent: (event: ClientEvent) => void): () => void {
  const source = new EventSource(url);

  // Named events do not reach "message" listeners: listen for each name.
  // TODO 4: pass the reset event on too. (docs/08-resume.md#the-client-and-the-page)
  for (const type of ['welcome', 'tick']) {
    source.addEventListener(type, (event) => {
      onEvent({ type, id: event.lastEventId, data: event.data });
    });
  }

  return () => source.close();
}
