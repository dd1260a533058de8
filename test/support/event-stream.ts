// Looks again at the raw bytes of an event stream, after the fact: the order in
// which a client sees retry fields and events, and, when no event arrived, the
// likely reason (the seed post's lost backslashes, a missing blank line...).
// Parsing is still done by eventsource-parser, a WHATWG event-stream parser.
import { createParser } from 'eventsource-parser';

export type StreamItem =
  | { kind: 'retry'; ms: number }
  | { kind: 'event'; type: string; data: string };

/**
 * Retry fields and dispatched events, in the order a client processes them.
 * A retry field inside an event block comes before that event: the client
 * applies it as soon as it reads the line, the event only at the blank line.
 */
export function timeline(raw: string): StreamItem[] {
  const items: StreamItem[] = [];
  const parser = createParser({
    onEvent: (message) => items.push({ kind: 'event', type: message.event ?? 'message', data: message.data }),
    onRetry: (ms) => items.push({ kind: 'retry', ms }),
  });
  parser.feed(raw);
  return items;
}

export type Finding =
  | 'nothing'
  | 'template-in-quotes'
  | 'literal-nn'
  | 'escaped-newline'
  | 'no-blank-line'
  | 'unterminated';

/** What a learner most likely did, one hint each; the suites add where to read. */
export const findingHints: Record<Finding, string> = {
  nothing: 'Nothing was written after the headers. Write the event with res.write(...).',
  'template-in-quotes':
    'The text ${...} reached the client as is: only backtick strings (`...`) replace ${...} with a value. Single or double quotes send it literally.',
  'literal-nn':
    'The stream has "nn" where a line should end: the letters n and n, not line breaks. The seed post lost its backslashes. A line break in a JavaScript string is \\n, so an event ends with "\\n\\n".',
  'escaped-newline':
    'The stream contains a backslash followed by n: two characters, not a line break. Write "\\n" in a normal string (one backslash), not "\\\\n" or String.raw.',
  'no-blank-line':
    'A complete data line arrived, but no empty line after it. The client only dispatches an event at the blank line, so end the event with "\\n\\n": one line break ends the line, the second is the empty line.',
  unterminated:
    'The last line never ends. Every field line needs a line break after it, and an event needs an empty line after its last field: "...\\n\\n".',
};

/** Splits the stream into complete lines (CRLF, LF or CR end a line) and the unfinished rest. */
function lines(raw: string): { complete: string[]; rest: string } {
  const parts = raw.split(/\r\n|\n|\r/);
  const rest = parts.pop() ?? '';
  return { complete: parts, rest };
}

const isField = (line: string, name: string) => line === name || line.startsWith(`${name}:`);

/**
 * Reasons why `raw` dispatches fewer events than expected, most specific first.
 * Empty when nothing looks wrong in the bytes themselves.
 */
export function findings(raw: string): Finding[] {
  if (raw === '') return ['nothing'];
  const found: Finding[] = [];
  const { complete, rest } = lines(raw);
  const all = [...complete, rest];
  if (all.some((line) => /\$\{\w*\}/.test(line))) found.push('template-in-quotes');
  if (all.some((line) => /^(data|retry|event|id)\s?:.*nn/.test(line))) found.push('literal-nn');
  if (raw.includes('\\n') || raw.includes('\\r')) found.push('escaped-newline');
  // A data line that ended, with no empty line anywhere after it: never dispatched.
  const lastData = complete.findLastIndex((line) => isField(line, 'data'));
  if (lastData !== -1 && !complete.slice(lastData + 1).includes('')) found.push('no-blank-line');
  if (rest !== '' && !found.includes('literal-nn') && !found.includes('escaped-newline')) found.push('unterminated');
  return found;
}

/** The hints for `raw`, as one paragraph for a failure message. */
export function explainBytes(raw: string): string | undefined {
  const found = findings(raw);
  return found.length ? found.map((f) => findingHints[f]).join(' ') : undefined;
}
