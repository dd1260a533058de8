// Lesson 07: event names, ids and framing that cannot be forged.
// Read docs/07-framing.md first. Check your work with: npm test lesson-07
// The tests call formatEvent directly, with harmless and with hostile values.

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

/** One complete event block, ending with the blank line that dispatches it. */
export function formatEvent(event: SseEvent): string {
  // TODO 1: return the text of this one event: a line for each field that is
  //   given, a data: line for each line of the data, then the empty line.
  //   (docs/07-framing.md#the-fields-of-an-event, #data-on-several-lines)
  //   Whatever event, id and data hold, the result must be exactly one event
  //   with exactly these fields: never a field or an event more.
  //   (docs/07-framing.md#forged-events, #reject-or-strip, #an-id-never-holds-null)
  throw new Error('formatEvent is not written yet: TODO 1 in sse-format.ts');
}

/** A comment line, which every client skips. */
export function formatComment(text: string): string {
  // TODO 2: return a comment line with this text. A line break in the text
  //   must not let the rest of it become a field. (docs/07-framing.md#comments)
  throw new Error('formatComment is not written yet: TODO 2 in sse-format.ts');
}
