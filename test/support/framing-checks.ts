// Lesson 07: what the learner's formatEvent makes of an event, as real clients
// read it. The suite calls formatEvent in the learner's process (never in the
// test's thread), then hands the text to eventsource-parser, to the
// `eventsource` package and (in the browser suite) to Chromium, and judges what
// each of them dispatched. Shared by test/lesson-07-framing*.test.ts.
import { explainBytes } from './event-stream.ts';
import type { useLesson } from './lesson-host.ts';
import { parseEventStream, type ParsedStream } from './parse-event-stream.ts';
import { END_OF_REPLAY, readWithEventSource, serveReplay, type ClientSeen } from './replay-stream.ts';
import { targetFile } from './target.ts';
import { check, showBytes, teach } from './teach.ts';

export type Lesson = ReturnType<typeof useLesson>;

/** The fields of formatEvent's argument, as the lesson defines them. */
export interface SseEvent {
  data: string;
  event?: string;
  id?: string;
  retry?: number;
}

export const FRAMING_READ = {
  block: 'docs/07-framing.md#one-function-for-every-event',
  fields: 'docs/07-framing.md#the-fields-of-an-event',
  lines: 'docs/07-framing.md#data-on-several-lines',
  forged: 'docs/07-framing.md#forged-events',
  reject: 'docs/07-framing.md#reject-or-strip',
  nul: 'docs/07-framing.md#an-id-never-holds-null',
};

/** Shows an SseEvent the way a learner would write the call. */
export function showCall(event: SseEvent): string {
  const fields = Object.entries(event)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? showBytes(value) : String(value)}`);
  return `formatEvent({ ${fields.join(', ')} })`;
}

export type Outcome = { threw: string } | { text: string };

/** Calls the learner's formatEvent with `event`; fails with a lesson message if it returns no string. */
export async function format(lesson: Lesson, event: SseEvent): Promise<Outcome> {
  const result = await lesson.call(targetFile('07', 'sse-format.ts'), 'formatEvent', [event]);
  if (result.threw) return { threw: `${result.threw.name ?? 'Error'}: ${result.threw.message.split('\n')[0]}` };
  const value = result.returned;
  check(typeof value === 'string', {
    expected: `${showCall(event)} to return the text of the event, a string`,
    got: `it returned ${value === undefined ? 'undefined' : JSON.stringify(value)}`,
    hint: 'Build the lines of the event in a string and return it; do not write to res inside formatEvent.',
    read: FRAMING_READ.block,
  });
  return { text: value };
}

/** Formats an event that has nothing wrong with it: it must come back as text. */
export async function formatValid(lesson: Lesson, event: SseEvent, read = FRAMING_READ.block): Promise<string> {
  const outcome = await format(lesson, event);
  if ('threw' in outcome) {
    const notWritten = /not written|TODO/i.test(outcome.threw);
    teach({
      expected: `${showCall(event)} to return the text of that event`,
      got: `it threw ${outcome.threw}`,
      hint: notWritten
        ? 'formatEvent is still the starter\'s stub: TODO 1 in sse-format.ts.'
        : 'Nothing is wrong with this event. Refuse only a line break in event or id, or a NULL in id.',
      read: notWritten ? FRAMING_READ.block : read,
    });
  }
  return outcome.text;
}

/** One event as a reader dispatched it, whoever the reader was. */
export interface Seen {
  type: string;
  data: string;
  /** The id the event carried (eventsource-parser), or the client's lastEventId. */
  id: string;
}

export const fromParser = (parsed: ParsedStream): Seen[] =>
  parsed.events.map((event) => ({ type: event.type, data: event.data, id: event.id ?? '' }));

export const fromClient = (seen: ClientSeen[]): Seen[] =>
  seen.map((event) => ({ type: event.type, data: event.data, id: event.lastEventId }));

const showSeen = (seen: Seen[]): string =>
  seen.length === 0
    ? 'no event at all'
    : `${seen.length} event(s): ${seen
        .map((event) => `{ type ${showBytes(event.type)}, data ${showBytes(event.data)}${event.id ? `, id ${showBytes(event.id)}` : ''} }`)
        .join(', ')}`;

/** What one event with exactly these fields looks like at a client. */
export interface Wanted {
  type: string;
  data: string;
  /** The id the client must hold; undefined: do not look. */
  id?: string;
}

/** Every event type in `text` as eventsource-parser reads it: the names a client must listen for to see them all. */
export const typesIn = (text: string): string[] => [...new Set(parseEventStream(text).events.map((event) => event.type))];

/**
 * The text must reach `reader` as exactly the one wanted event. `why` says
 * what a mismatch means (forged field, lost line ...), with `hint` and `read`.
 */
export function expectOneEvent(
  seen: Seen[] | undefined,
  wanted: Wanted,
  t: { call: string; text: string; reader: string; hint: string; read: string; mayThrow?: boolean },
): void {
  const fields = `type ${showBytes(wanted.type)}, data ${showBytes(wanted.data)}${wanted.id !== undefined ? `, id ${showBytes(wanted.id)}` : ''}`;
  const expected = t.mayThrow
    ? `${t.call} to throw, or to return text that ${t.reader} reads as exactly one event: ${fields}`
    : `${t.call} to reach ${t.reader} as exactly one event: ${fields}`;
  check(seen !== undefined, {
    expected,
    got: `it returned ${showBytes(t.text)}, and ${t.reader} did not finish reading it within 3 s`,
    hint: explainBytes(t.text) ?? t.hint,
    read: t.read,
  });
  const one = seen.length === 1 ? seen[0]! : undefined;
  const same = one && one.type === wanted.type && one.data === wanted.data && (wanted.id === undefined || one.id === wanted.id);
  check(same, {
    expected,
    got: `it returned ${showBytes(t.text)}, which ${t.reader} reads as ${showSeen(seen)}`,
    hint: seen.length === 0 ? (explainBytes(t.text) ?? t.hint) : t.hint,
    read: t.read,
  });
}

/** A one-line field arrived whole: its value minus line breaks (and spaces, if they replaced them). */
export const arrivedWhole = (received: string, sent: string): boolean =>
  received.replace(/\s/g, '') === sent.replace(/[\r\n]/g, '').replace(/\s/g, '');

/**
 * A case where a value tries to add a field or an event. formatEvent may throw
 * (`mayThrow`), or return text that a reader sees as exactly one event, with
 * no forged field: `accept` says whether what a reader saw is that.
 */
export interface ForgeryCase {
  name: string;
  input: SseEvent;
  /** Whether throwing is a correct answer (a line break in event or id; never for data). */
  mayThrow: boolean;
  /** The event a reader must see, judged from what it saw. */
  wanted(seen: Seen[]): Wanted;
  hint: string;
  read: string;
}

const withoutBreaks = (value: string): string => value.replace(/[\r\n]/g, '');

export const FORGERY_CASES = {
  eventName: {
    name: 'an event name "x\\ndata: forged" adds no data line',
    input: { event: 'x\ndata: forged', data: 'hello' },
    mayThrow: true,
    // Stripped, the name may arrive as "xdata: forged" (or with a space): what matters is the data.
    wanted: (seen) => ({ type: seen.length === 1 && arrivedWhole(seen[0]!.type, 'x\ndata: forged') ? seen[0]!.type : withoutBreaks('x\ndata: forged'), data: 'hello' }),
    hint: 'A line break ends the event: line, and whatever follows is read as a new field. event and id are one line each: throw when the value holds \\r or \\n (or remove them).',
    read: FRAMING_READ.forged,
  },
  idWithCr: {
    name: 'an id with "\\r" starts no field: "7\\revent: admin" makes no admin event',
    input: { id: '7\revent: admin', data: 'hello' },
    mayThrow: true,
    wanted: (seen) => ({ type: 'message', data: 'hello', id: seen.length === 1 && arrivedWhole(seen[0]!.id, '7\revent: admin') ? seen[0]!.id : withoutBreaks('7\revent: admin') }),
    hint: 'A lone \\r ends a line too, as \\n and \\r\\n do. Check the id for \\r as well as \\n.',
    read: FRAMING_READ.forged,
  },
  dataWithEvent: {
    name: 'data containing "\\n\\nevent: admin\\ndata: forged" stays one event, with all of its text',
    input: { event: 'chat', data: 'hello\n\nevent: admin\ndata: forged' },
    mayThrow: false,
    wanted: () => ({ type: 'chat', data: 'hello\n\nevent: admin\ndata: forged' }),
    hint: 'Write each line of the data as its own data: line (an empty line too: "data: " with nothing after it). Then no line of the data can end the event or start a field.',
    read: FRAMING_READ.lines,
  },
  idWithNul: {
    name: 'an id with U+0000 NULL is refused or cleaned, never sent for clients to ignore',
    input: { id: '12\u0000', data: 'hello' },
    mayThrow: true,
    wanted: () => ({ type: 'message', data: 'hello', id: '12' }),
    hint: 'A client ignores an id: field whose value holds U+0000 NULL and keeps its previous id. Refuse such an id (or remove the NULL).',
    read: FRAMING_READ.nul,
  },
} satisfies Record<string, ForgeryCase>;

/** Every line break in a one-line field: each must be refused or removed. */
export const LINE_BREAK_CASES: ForgeryCase[] = (['\n', '\r', '\r\n'] as const).flatMap((lineBreak) => {
  const shown = JSON.stringify(lineBreak).slice(1, -1);
  const value = `a${lineBreak}b`;
  return [
    {
      name: `event "a${shown}b"`,
      input: { event: value, data: 'hello' },
      mayThrow: true,
      wanted: (seen: Seen[]) => ({ type: seen.length === 1 && arrivedWhole(seen[0]!.type, value) ? seen[0]!.type : 'ab', data: 'hello' }),
      hint: `${shown} ends a line in an event stream, so the name was cut there. Check event for \\r and \\n, both.`,
      read: FRAMING_READ.forged,
    },
    {
      name: `id "a${shown}b"`,
      input: { id: value, data: 'hello' },
      mayThrow: true,
      wanted: (seen: Seen[]) => ({ type: 'message', data: 'hello', id: seen.length === 1 && arrivedWhole(seen[0]!.id, value) ? seen[0]!.id : 'ab' }),
      hint: `${shown} ends a line in an event stream, so the id was cut there. Check id for \\r and \\n, both.`,
      read: FRAMING_READ.forged,
    },
  ];
});

/** The safe twin of a case: the same fields without the attack, which must format. */
export function safeTwin(input: SseEvent): SseEvent {
  const twin: SseEvent = { data: 'hello' };
  if (input.event !== undefined) twin.event = 'x';
  if (input.id !== undefined) twin.id = '7';
  return twin;
}

/**
 * Runs one case up to the text: the safe twin must format (so a formatter that
 * throws on everything passes nothing), then the case itself. Returns the text,
 * or undefined when formatEvent threw and that is a correct answer.
 */
export async function formatCase(lesson: Lesson, c: ForgeryCase): Promise<string | undefined> {
  await formatValid(lesson, safeTwin(c.input));
  const outcome = await format(lesson, c.input);
  if ('threw' in outcome) {
    if (c.mayThrow) return undefined;
    teach({
      expected: `${showCall(c.input)} to return the event: data may hold any text, line breaks included`,
      got: `it threw ${outcome.threw}`,
      hint: 'Data is never refused: split it into lines and write one data: line for each.',
      read: FRAMING_READ.lines,
    });
  }
  return outcome.text;
}

/** Judges what `reader` saw of the case's text. */
export function judgeCase(c: ForgeryCase, text: string, seen: Seen[] | undefined, reader: string): void {
  const wanted = c.wanted(seen ?? []);
  expectOneEvent(seen, wanted, { call: showCall(c.input), text, reader, hint: c.hint, read: c.read, mayThrow: c.mayThrow });
}

/** Types a reader listens for besides those in the text: the ones an attack would forge. */
const FORGED_TYPES = ['admin', 'x', 'a'];

/** The names a real client must listen for to see every event of `text`. */
export const listenFor = (text: string): string[] => [...new Set([...typesIn(text), ...FORGED_TYPES])];

/** What eventsource-parser dispatches for `text`. */
export const readWithParser = (text: string): Seen[] => fromParser(parseEventStream(text));

/** What the `eventsource` package dispatches for `text`, served as a stream; undefined if it never finished. */
export async function readWithNodeClient(text: string): Promise<Seen[] | undefined> {
  const server = await serveReplay(text);
  try {
    const seen = await readWithEventSource(server.streamUrl, listenFor(text), END_OF_REPLAY, 3000);
    return seen && fromClient(seen);
  } finally {
    await server.close();
  }
}
