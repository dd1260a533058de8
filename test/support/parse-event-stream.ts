// What a WHATWG event-stream parser (eventsource-parser) makes of a piece of
// text: the events it dispatches, the retry values it accepts, the comments it
// skips. For checking the output of a formatter, all at once.
import { createParser } from 'eventsource-parser';

export interface ParsedEvent {
  /** The event type; "message" when there was no event: field. */
  type: string;
  data: string;
  /** The id field of this event, when it had one the parser accepted. */
  id?: string;
}

export interface ParsedStream {
  events: ParsedEvent[];
  /** Every retry value the parser accepted (ASCII digits only), in order. */
  retries: number[];
  /** The text of every comment line, without the colon. */
  comments: string[];
}

export function parseEventStream(text: string): ParsedStream {
  const parsed: ParsedStream = { events: [], retries: [], comments: [] };
  const parser = createParser({
    onEvent: (message) => parsed.events.push({ type: message.event ?? 'message', data: message.data, id: message.id }),
    onRetry: (ms) => parsed.retries.push(ms),
    onComment: (comment) => parsed.comments.push(comment),
  });
  parser.feed(text);
  return parsed;
}
