// Turns one event into the text of the event-stream format, safely: whatever
// the values hold, the result is exactly one event with exactly these fields.

export interface SseEvent {
  /** The event's data. It may span several lines, or be empty. */
  data: string;
  /** The event type: the client listens for it with addEventListener(event, ...). */
  event?: string;
  /** The event's id: the client sends the last one back as Last-Event-ID when it reconnects. */
  id?: string;
  /** How long the client waits before reconnecting, in ms. */
  retry?: number;
}

// A line of the event stream ends at CRLF, at LF, or at a lone CR.
const lineBreak = /\r\n|\r|\n/;

// A line break in a one-line field would end the field and start another one,
// chosen by whoever wrote the value. Refuse it: a silent fix would hide the bug.
function oneLine(field: string, value: string): string {
  if (/[\r\n]/.test(value)) {
    throw new TypeError(`${field} must be one line: ${JSON.stringify(value)} contains a line break`);
  }
  return value;
}

/** One complete event block, ending with the blank line that dispatches it. */
export function formatEvent({ data, event, id, retry }: SseEvent): string {
  let block = '';
  if (event !== undefined) {
    block += `event: ${oneLine('event', event)}\n`;
  }
  if (id !== undefined) {
    // A client ignores an id field whose value contains NULL, and keeps the old id.
    if (id.includes('\0')) {
      throw new TypeError(`id must not contain U+0000 NULL: ${JSON.stringify(id)}`);
    }
    block += `id: ${oneLine('id', id)}\n`;
  }
  if (retry !== undefined) {
    // A client ignores a retry value that is not ASCII digits only.
    if (!Number.isSafeInteger(retry) || retry < 0) {
      throw new TypeError(`retry must be a whole number of milliseconds, not ${retry}`);
    }
    block += `retry: ${retry}\n`;
  }
  // Each line of the data becomes its own data: line; the client joins them with \n.
  for (const line of data.split(lineBreak)) {
    block += `data: ${line}\n`;
  }
  return `${block}\n`;
}

/** A comment line: clients ignore it. Useful to explain a stream to whoever reads it raw. */
export function formatComment(text: string): string {
  return `: ${oneLine('comment', text)}\n\n`;
}
