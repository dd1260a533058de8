import { EventSource } from 'eventsource';

// Lesson 07: the server now names its events. See TODO 7 below.

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

  // TODO 7: the server's events are named welcome and tick now, and this
  //   listener hears neither. Pass every welcome and tick event to onEvent,
  //   with its type, lastEventId and data.
  //   (docs/07-framing.md#named-events-and-addeventlistener)
  source.addEventListener('message', (event) => {
    onEvent({ type: event.type, id: event.lastEventId, data: event.data });
  });

  return () => source.close();
}
