import { EventSource } from 'eventsource';

/** What the client passes on for each event it listens for. */
export interface ClientEvent {
  /** The event type: "welcome", "tick", "chat" or "reset". */
  type: string;
  /** The last event id the client holds: this event's, or an earlier one's if it had none. */
  id: string;
  data: string;
}

/**
 * Connects to an SSE endpoint and calls onEvent for every welcome, tick, chat and reset event.
 * EventSource reconnects by itself, and sends the id of the last event it received:
 * the server then sends what was missed, or a reset when it no longer can.
 * The returned function closes the connection for good.
 */
export function subscribe(url: string, onEvent: (event: ClientEvent) => void): () => void {
  const source = new EventSource(url);

  // Named events do not reach "message" listeners: listen for each name.
  for (const type of ['welcome', 'tick', 'chat', 'reset']) {
    source.addEventListener(type, (event) => {
      onEvent({ type, id: event.lastEventId, data: event.data });
    });
  }

  return () => source.close();
}
