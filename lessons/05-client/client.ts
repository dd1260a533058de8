// Lesson 05, part 3: a Node client for the stream. Read docs/05-client.md#eventsource-in-node.
// Check your work with: npm test lesson-05
import { EventSource } from 'eventsource';

/**
 * Connects to an SSE endpoint and calls onData with the data of every message.
 * Returns a function that closes the connection for good.
 */
export function subscribe(url: string, onData: (data: string) => void): () => void {
  // TODO 5: connect to url with the EventSource imported above.
  //   (docs/05-client.md#eventsource-in-node)

  // TODO 6: for every "message" event, call onData with the event's data.
  //   (docs/05-client.md#message-events)

  // TODO 7: return a function that closes the connection, so it does not reconnect.
  //   (docs/05-client.md#closing-the-connection)
  return () => {};
}
