import { EventSource } from 'eventsource';

/**
 * Connects to an SSE endpoint and calls onData with the data of every message.
 * EventSource reconnects by itself; the returned function closes the connection for good.
 */
export function subscribe(url: string, onData: (data: string) => void): () => void {
  const source = new EventSource(url);

  source.addEventListener('message', (event) => {
    onData(event.data);
  });

  return () => source.close();
}
