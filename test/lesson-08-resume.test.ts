// Lesson 08: one sequence of tick events with ids for the whole server, kept in
// a bounded history, so that a client that comes back with Last-Event-ID gets
// exactly what it missed (or a reset event when that is no longer known).
// history.ts is checked in the learner's process (support/history-probe.ts);
// the server with the SSE reader, supertest, the real `eventsource` client and
// the learner's own client.ts. The page is checked in lesson-08-resume-browser.test.ts.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventSource } from 'eventsource';
import { afterAll, afterEach, beforeAll, describe, test } from 'vitest';
import { expectPageServed } from './support/earlier-lessons.ts';
import { connect, expectSseHeaders } from './support/expect-sse.ts';
import type { HistoryProbe, HistoryScenario } from './support/history-probe.ts';
import { useLesson, type RunningClient, type RunningServer } from './support/lesson-host.ts';
import { pollUntil, until } from './support/poll.ts';
import { openStream, type ReceivedEvent, type Stream } from './support/sse.ts';
import { shown, targetFile } from './support/target.ts';
import { check, LessonError, showBytes, teach } from './support/teach.ts';

const lesson = useLesson('08', 'docs/08-resume.md');

// createApp() with no options starts before the tests, so that its ticks, a
// second apart, come while they run; a test near the end looks at them.
let defaults: Promise<Stream | undefined>;
beforeAll(async () => {
  // Not through connect(): it closes its streams after each test.
  defaults = lesson.start().then((server) => openStream(`${server.url}/events`, 5000).catch(() => undefined));
  await defaults.catch(() => undefined);
  // Starting the server's process can take seconds on a busy machine; the test that looks reports a failure.
}, 20_000);
afterAll(async () => (await defaults.catch(() => undefined))?.close());

const READ = {
  history: 'docs/08-resume.md#a-bounded-history',
  memory: 'docs/08-resume.md#a-bounded-history',
  sequence: 'docs/08-resume.md#one-sequence-for-the-whole-server',
  header: 'docs/08-resume.md#the-last-event-id-header',
  replay: 'docs/08-resume.md#replay-then-live',
  reset: 'docs/08-resume.md#when-the-id-is-unknown-or-too-old',
  client: 'docs/08-resume.md#the-client-and-the-page',
  carried: 'docs/08-resume.md#what-you-start-from',
  close: 'docs/08-resume.md#one-sequence-for-the-whole-server',
};

const PROBE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'support', 'history-probe.ts');
const historyFile = () => targetFile('08', 'history.ts');

// ---------------------------------------------------------------------------
// Reading ticks

/** The ids of the tick events, as numbers (NaN for an id that is not one). */
const tickIds = (events: { type: string; id?: string }[]): number[] =>
  events.filter((event) => event.type === 'tick').map((event) => Number(event.id));

const newest = (stream: Stream): number => Math.max(0, ...tickIds(stream.events).filter(Number.isFinite));

/** "4, 5, 6, …" for a message, at most 14 of them. */
const showIds = (ids: number[]): string =>
  ids.length === 0 ? 'none' : ids.length > 14 ? `${ids.slice(0, 12).join(', ')}, … (${ids.length} in all), ${ids.at(-1)}` : ids.join(', ');

/** Waits until the stream has seen the tick `id` (or a later one); returns whether it did. */
const waitForTick = (stream: Stream, id: number, withinMs: number): Promise<boolean> =>
  until(() => newest(stream) >= id, withinMs);

/** Types of the events other than ticks and the welcome, in order (e.g. "reset"). */
const otherTypes = (events: ReceivedEvent[]) => events.filter((e) => e.type !== 'tick' && e.type !== 'welcome').map((e) => e.type);

/** Opens /events and waits for its first tick, with a teaching failure when none comes. */
async function connectAndWaitForTicks(server: RunningServer, count: number, read: string, headers?: Record<string, string>) {
  const stream = await connect(server, read, { headers });
  await until(() => tickIds(stream.events).length >= count || stream.ended(), 2000);
  if (tickIds(stream.events).length < count) {
    await server.assertResponsive(read);
    teach({
      expected: `GET /events to send tick events (event: tick) with ids, ${count} within 2 s`,
      got: stream.events.length
        ? `the events ${stream.events.slice(0, 6).map((e) => `${e.type}${e.id ? ` #${e.id}` : ''}`).join(', ')}`
        : `no event at all: the stream ${stream.ended() ? 'ended' : 'stayed silent'} (${showBytes(stream.raw(), 120)})`,
      hint: 'Keep lesson 07\'s tick events: event: tick, an id, and data {"count":n}.',
      read: READ.sequence,
    });
  }
  return stream;
}

/**
 * What is wrong with the tick ids a client got after coming back with
 * Last-Event-ID: k, or undefined when they are k+1, k+2, ... with no gap and no
 * duplicate.
 */
function resumeProblem(ids: number[], k: number): { got: string; hint: string; read: string } | undefined {
  const first = ids[0];
  if (first === undefined) {
    return { got: 'no tick at all after coming back', hint: 'After the replay, the live ticks must follow.', read: READ.replay };
  }
  if (first === 1 && k > 1) {
    return {
      got: `ticks ${showIds(ids)}: the count starts again at 1 for the new connection`,
      hint: 'Each connection still counts on its own, so an id means nothing to the next connection. Make one sequence of ticks for the whole server, in createApp.',
      read: READ.sequence,
    };
  }
  if (first === k) {
    return {
      got: `ticks ${showIds(ids)}: tick ${k} came again, but the client had it already (it said so with Last-Event-ID: ${k})`,
      hint: 'Replay the events after k, not from k.',
      read: READ.replay,
    };
  }
  if (first < k) {
    return {
      got: `ticks ${showIds(ids)}: the replay starts at ${first}, before the ${k} the client said it had`,
      hint: 'Replay only the events after the one with that id, not the whole history.',
      read: READ.replay,
    };
  }
  if (first > k + 1 && ids.includes(k + 1)) {
    return {
      got: `ticks ${showIds(ids)}: live tick ${first} came before the replay of ${k + 1}, …, so it comes twice or out of order`,
      hint: 'The stream joined the live ticks before the replay was written. Write the replay and join the live ticks in one go, with no await or timer in between.',
      read: READ.replay,
    };
  }
  if (first > k + 1) {
    return {
      got: `ticks ${showIds(ids)}: ticks ${k + 1} to ${first - 1}, which the client missed, never came`,
      hint: 'Read the Last-Event-ID request header and write the ticks the history holds after it, before the live ones.',
      read: READ.header,
    };
  }
  for (let i = 1; i < ids.length; i++) {
    if (ids[i] === 1) {
      return {
        got: `ticks ${showIds(ids)}: the count starts again at 1 on the new connection`,
        hint: 'Each connection still counts on its own, so an id means nothing to the next connection. Make one sequence of ticks for the whole server, in createApp.',
        read: READ.sequence,
      };
    }
    if (ids[i] === ids[i - 1] || ids.slice(0, i).includes(ids[i]!)) {
      return {
        got: `ticks ${showIds(ids)}: tick ${ids[i]} came twice`,
        hint: 'A tick went out in the replay and again as a live event. Write the replay and join the live ticks in one go, with no await or timer in between.',
        read: READ.replay,
      };
    }
    if (ids[i] !== ids[i - 1]! + 1) {
      return {
        got: `ticks ${showIds(ids)}: after ${ids[i - 1]} came ${ids[i]}`,
        hint: 'Ticks were lost between the replay and the live ones. Write the replay and join the live ticks in one go, with no await or timer in between.',
        read: READ.replay,
      };
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// history.ts, in the learner's process

async function probe(scenario: HistoryScenario): Promise<Extract<HistoryProbe, { answers: unknown }>> {
  let result;
  try {
    result = await lesson.call(PROBE, 'probeHistory', [historyFile(), scenario]);
  } catch (error) {
    if (!(error instanceof LessonError)) throw error;
    // The harness names the file it called; the learner's file is history.ts.
    teach({
      expected: `${shown(historyFile())} to load, and its EventHistory to answer at once`,
      got: error.message.includes('never returned')
        ? 'a call never returned: something in EventHistory (or at the top level of the file) runs for ever'
        : error.message.split('\n').find((line) => line.includes('Your code:'))?.replace(/^\s*Your code:\s*/, '') ?? error.message,
      read: READ.history,
    });
  }
  if (result.threw) {
    teach({ expected: `${shown(historyFile())} to load without throwing`, got: `it threw ${result.threw.message}`, read: READ.history });
  }
  const answer = result.returned as HistoryProbe;
  if ('problem' in answer) {
    teach({ expected: 'history.ts to export the class EventHistory, with add(event) and after(lastId)', got: answer.problem, read: READ.history });
  }
  return answer;
}

const showAnswer = (answer: { ids: string[] | null; odd?: string }): string =>
  answer.odd ? `returned ${answer.odd}` : answer.ids === null ? 'returned undefined' : `returned the events ${answer.ids.length ? answer.ids.join(', ') : '(none)'}`;

function expectAfter(probed: Extract<HistoryProbe, { answers: unknown }>, setup: string, id: string, want: string[] | null, hint: string) {
  const answer = probed.answers[id]!;
  const ok = want === null ? answer.ids === null && !answer.odd : answer.ids !== null && answer.ids.join() === want.join();
  // The classic mistakes get their own hint.
  if (!ok && want && answer.ids?.[0] === id) {
    hint = `The answer starts with event ${id} itself, which the client already has: return only the events after it.`;
  } else if (!ok && want === null && answer.ids?.length) {
    hint = `${hint} (It returned events although event ${id} is not kept: the client would never learn that some in between are missing.)`;
  }
  check(ok && answer.intact, {
    expected: `${setup}, after("${id}") to return ${want === null ? 'undefined (that event is not kept)' : want.length ? `the events ${want.join(', ')}` : 'an empty array'}`,
    got: `it ${showAnswer(answer)}${answer.intact ? '' : ', with other data than they were added with'}`,
    hint,
    read: READ.history,
  });
}

describe('lesson 08: history.ts, a bounded history of events', () => {
  test('after(id) returns the events that came after that id, oldest first, and undefined for an id it never had', async () => {
    const setup = 'with events 1 to 5 added to new EventHistory(10)';
    const probed = await probe({ size: 10, count: 5, queries: ['2', '5', '1', '0', '42', 'tick'] });
    const hint = 'Keep every event add() gets, in order. after(lastId) finds the one whose id is lastId and returns the ones behind it.';
    expectAfter(probed, setup, '2', ['3', '4', '5'], hint);
    expectAfter(probed, setup, '1', ['2', '3', '4', '5'], hint);
    expectAfter(probed, setup, '5', [], 'The newest event has nothing after it: return an empty array, not undefined (undefined means "I do not know that id").');
    const unknown = 'An id the history never had (0, 42, "tick") is unknown: return undefined, so that the server can tell the client to start over.';
    expectAfter(probed, setup, '0', null, unknown);
    expectAfter(probed, setup, '42', null, unknown);
    expectAfter(probed, setup, 'tick', null, unknown);
  });

  test('it keeps only the newest `size` events: an id older than those is unknown', async () => {
    const setup = 'with events 1 to 12 added to new EventHistory(5), which keeps 8 to 12';
    const probed = await probe({ size: 5, count: 12, queries: ['6', '1', '8', '11', '12', '7'] });
    const gone = 'Only the newest size events are kept. Event 7 is gone, so after("6") cannot be answered: return undefined, never a list with a hole in it.';
    expectAfter(probed, setup, '6', null, gone);
    expectAfter(probed, setup, '1', null, gone);
    expectAfter(probed, setup, '8', ['9', '10', '11', '12'], 'Once the history is full, drop the oldest event for each new one.');
    expectAfter(probed, setup, '11', ['12'], 'Once the history is full, drop the oldest event for each new one.');
    expectAfter(probed, setup, '12', [], 'The newest event has nothing after it: return an empty array.');
    // Event 7 was just dropped; everything after it is still kept, so a full answer is right too.
    const seven = probed.answers['7']!;
    check(seven.ids === null || seven.ids.join() === '8,9,10,11,12', {
      expected: `${setup}, after("7") to return undefined, or the events 8 to 12`,
      got: `it ${showAnswer(seven)}`,
      read: READ.history,
    });
  });

  test('after 10,000 events of 10 kB, an EventHistory of size 100 keeps about 100 of them in memory', async () => {
    const count = 10_000;
    const dataChars = 10_000;
    const probed = await probe({ size: 100, count, dataChars, queries: ['1', '9000', '9950'] });
    const setup = `with ${count} events added to new EventHistory(100)`;
    const bounded = 'Drop the oldest event when the history holds more than size; a history that only grows keeps every event until the server runs out of memory.';
    expectAfter(probed, setup, '1', null, bounded);
    expectAfter(probed, setup, '9000', null, bounded);
    const answer = probed.answers['9950']!;
    check(answer.ids?.length === 50 && answer.ids[0] === '9951' && answer.ids.at(-1) === '10000', {
      expected: `${setup}, after("9950") to return the 50 events 9951 to 10000`,
      got: `it ${showAnswer(answer)}`,
      read: READ.history,
    });
    const keptMb = (probed.keptBytes ?? 0) / 1e6;
    check(keptMb < 20, {
      expected: `the history to keep about 100 events of 10 kB (about 1 MB; at most 20 MB allowed)`,
      got: `the ${count} events left ${keptMb.toFixed(0)} MB in memory: the history keeps events it no longer answers for`,
      hint: bounded,
      read: READ.memory,
    });
  });
});

// ---------------------------------------------------------------------------
// The server

describe('lesson 08: one sequence of ticks for the whole server', () => {
  test('every client gets the same ticks with the same ids; a new client gets them from now on', async () => {
    const server = await lesson.start({ intervalMs: 20 });
    const first = await connectAndWaitForTicks(server, 3, READ.sequence);
    const seenBefore = newest(first);
    const second = await connectAndWaitForTicks(server, 3, READ.sequence);
    await waitForTick(first, newest(second), 1000);

    const firstIds = tickIds(first.events);
    const secondIds = tickIds(second.events);
    check(secondIds[0]! > seenBefore, {
      expected: `a client that connects without Last-Event-ID to get the ticks from now on: the first client had seen tick ${seenBefore} already`,
      got: `the second client's ticks are ${showIds(secondIds)}`,
      hint:
        secondIds[0] === 1
          ? 'The count starts at 1 for every connection: move the count and the timer out of the /events handler, into createApp, so that all clients share one sequence.'
          : 'Replay only for a client that sends Last-Event-ID; a new client has nothing to catch up on.',
      read: READ.sequence,
    });
    check(secondIds.every((id) => firstIds.includes(id)), {
      expected: 'both clients to get the same ticks, with the same ids',
      got: `the first client got ${showIds(firstIds)}, the second ${showIds(secondIds)}`,
      hint: 'One timer in createApp makes each tick, and writes it to every open response.',
      read: READ.sequence,
    });
    for (const [name, stream] of [['first', first], ['second', second]] as const) {
      const problem = resumeProblem(tickIds(stream.events), tickIds(stream.events)[0]! - 1);
      check(!problem, () => ({ expected: `the ${name} client to get ticks with ids counting up by one`, ...problem! }));
      const wrongData = stream.events.find((event) => event.type === 'tick' && event.data !== JSON.stringify({ count: Number(event.id) }));
      check(!wrongData, {
        expected: 'each tick to carry its count as data, the same number as its id: {"count":n}',
        got: `tick #${wrongData?.id} has data ${showBytes(wrongData?.data ?? '')}`,
        read: READ.sequence,
      });
      check(otherTypes(stream.events).length === 0, {
        expected: `a client that connects without Last-Event-ID to get no ${otherTypes(stream.events)[0]} event: it has missed nothing`,
        got: `the ${name} client got ${otherTypes(stream.events).join(', ')}`,
        hint: 'Without the header there is nothing to replay and nothing to reset.',
        read: READ.header,
      });
    }
  });
});

describe('lesson 08: resuming with Last-Event-ID', () => {
  test('a client that comes back with Last-Event-ID: k gets the ticks after k, once each, in order, then the live ones', async () => {
    const server = await lesson.start({ intervalMs: 10 });
    const watcher = await connectAndWaitForTicks(server, 1, READ.sequence);
    const leaving = await connectAndWaitForTicks(server, 3, READ.sequence);
    leaving.close();
    const k = newest(leaving);
    // Let it miss a few ticks, then come back.
    await waitForTick(watcher, k + 6, 2000);
    const back = await connect(server, READ.header, { headers: { 'Last-Event-ID': String(k) } });
    const target = newest(watcher) + 5;
    await until(() => newest(back) >= target || back.ended(), 2000);
    const ids = tickIds(back.events);
    check(otherTypes(back.events).length === 0, {
      expected: `no ${otherTypes(back.events)[0]} event: tick ${k} was sent a moment ago, so the history still holds it and everything after it`,
      got: `the events ${back.events.slice(0, 8).map((e) => `${e.type}${e.id ? ` #${e.id}` : ''}`).join(', ')}`,
      hint: 'Every tick the server sends must go into the history too; after() answers undefined only for an id it no longer holds.',
      read: READ.history,
    });
    const problem = resumeProblem(ids, k);
    check(!problem, () => ({
      expected: `after Last-Event-ID: ${k}, the ticks ${k + 1}, ${k + 2}, ${k + 3}, … with no gap and no duplicate, into the live ones`,
      ...problem!,
    }));
    check(newest(back) >= target, {
      expected: `the live ticks to follow the replay (up to ${target} by now)`,
      got: `the ticks ${showIds(ids)}, then nothing`,
      hint: 'After the replay, add the response to the open streams, as for a new client.',
      read: READ.replay,
    });
  });

  test('the replay and the live ticks never overlap or leave a gap, over 30 quick reconnects', async () => {
    // Ticks every 2 ms: a tick often falls between reading the history and joining the live ones.
    const server = await lesson.start({ intervalMs: 2, historySize: 1000 });
    let k = 0;
    let seen: number[] = [];
    for (let round = 0; round < 30; round++) {
      const stream = await connect(server, READ.replay, { headers: round === 0 ? {} : { 'Last-Event-ID': String(k) } });
      await until(() => tickIds(stream.events).length >= 3 || stream.ended(), 1500);
      stream.close();
      const ids = tickIds(stream.events);
      if (round > 0) {
        const problem = resumeProblem(ids, k);
        check(!problem, () => ({
          expected: `reconnect ${round} with Last-Event-ID: ${k} to give ${k + 1}, ${k + 2}, … with no gap and no duplicate`,
          ...problem!,
        }));
      }
      seen = seen.concat(ids);
      k = ids.at(-1) ?? k;
    }
    check(seen.length >= 90, {
      expected: 'three ticks or more on each of the 30 connections',
      got: `${seen.length} ticks in all`,
      read: READ.replay,
    });
  });

  test('an id older than the history gets a reset event, then the live ticks: never a silent gap', async () => {
    const historySize = 5;
    const server = await lesson.start({ intervalMs: 10, historySize });
    const watcher = await connectAndWaitForTicks(server, 1, READ.sequence);
    const leaving = await connectAndWaitForTicks(server, 2, READ.sequence);
    leaving.close();
    const k = newest(leaving);
    await waitForTick(watcher, k + historySize + 5, 2000);
    const back = await connect(server, READ.reset, { headers: { 'Last-Event-ID': String(k) } });
    await until(() => back.events.some((e) => e.type === 'tick'), 2000);
    const types = back.events.map((event) => event.type).filter((type) => type !== 'welcome');
    const ids = tickIds(back.events);
    check(types[0] === 'reset', {
      expected: `Last-Event-ID: ${k}, which has left a history of ${historySize} (historySize), to get an event named reset before any tick`,
      got:
        types.length === 0
          ? 'no event after the welcome within 2 s'
          : ids[0] === k + 1
            ? `the ticks ${showIds(ids)}: a full replay, so the history keeps more than historySize ticks`
            : ids[0]! > k + 1
              ? `the events ${types.slice(0, 6).join(', ')}, with tick ids ${showIds(ids)}: the client cannot tell that ticks ${k + 1} to ${ids[0]! - 1} are missing`
              : `the events ${types.slice(0, 6).join(', ')}, with tick ids ${showIds(ids)}`,
      hint:
        ids[0] === k + 1
          ? 'Give the history options.historySize as its size.'
          : 'When the history no longer holds the id (after() says undefined), send event: reset, so the client reloads its state instead of showing a list with a hole in it.',
      read: READ.reset,
    });
    const problem = resumeProblem(ids, ids[0]! - 1);
    check(!problem && ids[0]! > k + historySize, () => ({
      expected: 'after the reset, the live ticks, counting up by one',
      got: problem?.got ?? `the ticks ${showIds(ids)}: old ticks replayed after the reset`,
      hint: 'After the reset, add the response to the open streams and replay nothing.',
      read: READ.reset,
    }));
  });

  test('an id this server never sent (it restarted, say) gets a reset event too', async () => {
    const server = await lesson.start({ intervalMs: 10 });
    await connectAndWaitForTicks(server, 2, READ.sequence);
    for (const id of ['999999', 'abc']) {
      const back = await connect(server, READ.reset, { headers: { 'Last-Event-ID': id } });
      await until(() => back.events.some((e) => e.type === 'tick'), 2000);
      const types = back.events.map((event) => event.type).filter((type) => type !== 'welcome');
      check(types[0] === 'reset', {
        expected: `Last-Event-ID: ${id}, an id this server never sent, to get an event named reset before any tick`,
        got: types.length ? `the events ${types.slice(0, 6).join(', ')}` : 'no event after the welcome within 2 s',
        hint: 'An id the history does not hold is unknown, however it looks: comparing numbers (id > 999999) silently skips every tick of a restarted server.',
        read: READ.reset,
      });
    }
  });

  test('historySize defaults to 100', async () => {
    const server = await lesson.start({ intervalMs: 3 });
    const watcher = await connectAndWaitForTicks(server, 1, READ.sequence);
    const hint = 'Without options.historySize, the history keeps the newest 100 events.';
    const show = (stream: Stream) =>
      stream.events.filter((e) => e.type !== 'welcome').slice(0, 4).map((e) => `${e.type}${e.id ? ` #${e.id}` : ''}`).join(', ') || 'no event';
    /** Comes back with Last-Event-ID: k; resolves once the first tick is there. */
    const comeBack = async (k: number) => {
      const stream = await connect(server, READ.history, { headers: { 'Last-Event-ID': String(k) } });
      await until(() => tickIds(stream.events).length > 0, 2000);
      return { stream, reset: stream.events.some((e) => e.type === 'reset'), first: tickIds(stream.events)[0] ?? 0 };
    };
    // 130 ticks back is gone with 100 kept, however fast the machine.
    await waitForTick(watcher, newest(watcher) + 140, 3000);
    const old = newest(watcher) - 130;
    const gone = await comeBack(old);
    check(gone.reset, {
      expected: `without options.historySize, a history of 100: Last-Event-ID: ${old} (130 ticks back) to get a reset`,
      got: `the events ${show(gone.stream)}${gone.first === old + 1 ? ': the history still held it' : ''}`,
      hint,
      read: READ.history,
    });
    // 60 ticks back is kept, unless the machine is so slow that 40 more ticks passed on
    // the way: the first live tick after a reset tells, and then the test tries again.
    for (let attempt = 1; ; attempt++) {
      const k = newest(watcher) - 60;
      const kept = await comeBack(k);
      const newerAtAnswer = kept.first - 1 - k;
      if (kept.reset && newerAtAnswer >= 100 && attempt < 3) continue;
      check(!kept.reset && kept.first === k + 1, {
        expected: `without options.historySize, a history of 100: Last-Event-ID: ${k} (60 ticks back) to replay from ${k + 1}`,
        got: `the events ${show(kept.stream)}`,
        hint,
        read: READ.history,
      });
      break;
    }
  });

  test('the real eventsource client, cut off by the server, comes back on its own with Last-Event-ID and misses nothing', async () => {
    const server = await lesson.start({ intervalMs: 20, retryMs: 100 });
    const ids: number[] = [];
    const others: string[] = [];
    let opens = 0;
    const source = new EventSource(`${server.url}/events`);
    sources.add(source);
    source.addEventListener('open', () => opens++);
    source.addEventListener('tick', (event) => ids.push(Number(event.lastEventId)));
    source.addEventListener('reset', () => others.push('reset'));
    await until(() => ids.length >= 3, 2000);
    check(ids.length >= 3, { expected: 'the eventsource client to get tick events', got: `ticks ${showIds(ids)} within 2 s`, read: READ.sequence });
    const atDrop = ids.at(-1)!;
    await server.drop();
    await until(() => opens >= 2 && (ids.at(-1) ?? 0) >= atDrop + 12, 3000);
    check(opens >= 2, {
      expected: 'the client to reconnect about 100 ms after the server cut the stream (createApp got { retryMs: 100 })',
      got: 'it did not connect again within 3 s',
      hint: 'The client waits what the stream\'s retry: field says: send options.retryMs when it is given.',
      read: READ.carried,
    });
    const problem = resumeProblem(ids, ids[0]! - 1);
    check(!problem && others.length === 0, () => ({
      expected: `every tick once, in order, across the cut (the client sent Last-Event-ID: ${atDrop} when it came back)`,
      ...(problem ?? { got: `a ${others[0]} event although tick ${atDrop} was still in the history`, hint: 'Replay from the history.', read: READ.reset }),
    }));
    check(ids.at(-1)! >= atDrop + 12, {
      expected: 'the live ticks to go on after the reconnection',
      got: `the ticks ${showIds(ids)}`,
      read: READ.replay,
    });
  });
});

const sources = new Set<EventSource>();
afterEach(() => {
  for (const source of sources) source.close();
  sources.clear();
});

// ---------------------------------------------------------------------------
// client.ts

interface Received {
  type: string;
  id: string;
  data: string;
}

const clients: RunningClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.stop()));
});

/** "welcome, tick #1 to #4, welcome, tick #1 to #40, reset": what a client got, briefly. */
function summary(events: Received[]): string {
  const parts: string[] = [];
  for (let i = 0; i < events.length; ) {
    const event = events[i]!;
    if (event.type !== 'tick') {
      parts.push(event.type);
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < events.length && events[j + 1]!.type === 'tick' && Number(events[j + 1]!.id) === Number(events[j]!.id) + 1) j++;
    parts.push(j === i ? `tick #${event.id}` : `tick #${event.id} to #${events[j]!.id}`);
    i = j + 1;
  }
  return parts.length > 12 ? `${parts.slice(0, 11).join(', ')}, … ${parts.at(-1)}` : parts.join(', ');
}

function receivedBy(client: RunningClient): Received[] {
  return client.received().map((text) => {
    try {
      return JSON.parse(text) as Received;
    } catch {
      return { type: '?', id: '', data: text };
    }
  });
}

async function subscribe(server: RunningServer): Promise<RunningClient> {
  const client = await lesson.subscribe(`${server.url}/events`);
  clients.push(client);
  const events = await pollUntil(() => receivedBy(client), (got) => got.filter((e) => e.type === 'tick').length >= 3, 2000);
  check(events.filter((e) => e.type === 'tick').length >= 3, {
    expected: 'subscribe(url, onEvent) to call onEvent with { type, id, data } for each welcome and tick event',
    got: events.length ? `onEvent got ${showBytes(JSON.stringify(events.slice(0, 3)))}` : 'onEvent was never called within 2 s',
    hint: 'Keep lesson 07\'s client: one listener per event name.',
    read: READ.client,
  });
  return client;
}

describe('lesson 08: client.ts', () => {
  test('subscribe() passes every tick on once across a server cut: no gap, no duplicate', async () => {
    const server = await lesson.start({ intervalMs: 20, retryMs: 100 });
    const client = await subscribe(server);
    const atDrop = Number(receivedBy(client).filter((e) => e.type === 'tick').at(-1)!.id);
    await server.drop();
    const events = await pollUntil(
      () => receivedBy(client),
      (got) => Number(got.filter((e) => e.type === 'tick').at(-1)?.id) >= atDrop + 12,
      3000,
    );
    const ids = events.filter((e) => e.type === 'tick').map((e) => Number(e.id));
    const problem = resumeProblem(ids, ids[0]! - 1);
    check(!problem && ids.at(-1)! >= atDrop + 12, () => ({
      expected: 'onEvent to get every tick once, in order, across the cut: the client reconnects by itself, with Last-Event-ID',
      ...(problem ?? { got: `the ticks ${showIds(ids)}`, hint: 'Let EventSource reconnect by itself.', read: READ.client }),
    }));
    check(events.filter((e) => e.type === 'welcome').length >= 2, {
      expected: 'onEvent to get the welcome event of each connection, as in lesson 07',
      got: `the types ${[...new Set(events.map((e) => e.type))].join(', ')}`,
      read: READ.client,
    });

    await client.stop();
    const stoppedAt = receivedBy(client).length;
    await new Promise((resolve) => setTimeout(resolve, 150));
    check(receivedBy(client).length === stoppedAt, {
      expected: 'the function subscribe() returns to close the connection for good',
      got: `${receivedBy(client).length - stoppedAt} more event(s) after it was called`,
      hint: 'Return a function that closes the EventSource.',
      read: READ.client,
    });
  });

  test('subscribe() passes the reset event on when the server could not replay what was missed', async () => {
    const server = await lesson.start({ intervalMs: 10, retryMs: 300, historySize: 3 });
    const client = await subscribe(server);
    await server.drop();
    const events = await pollUntil(
      () => receivedBy(client),
      // Done when the reset came, or when 5 ticks came on the new connection without one.
      (got) => {
        const again = got.findIndex((e, i) => i > 0 && e.type === 'welcome');
        return got.some((e) => e.type === 'reset') || (again > 0 && got.slice(again).filter((e) => e.type === 'tick').length >= 5);
      },
      3000,
    );
    check(events.some((e) => e.type === 'reset'), {
      expected: 'onEvent to get { type: "reset", ... } after 300 ms away from a server that keeps 3 ticks',
      got: `onEvent got ${summary(events)}`,
      hint: 'A named event reaches only the listeners of its name: listen for "reset" too.',
      read: READ.client,
    });
  });
});

// ---------------------------------------------------------------------------
// What earlier lessons built

describe('lesson 08: what earlier lessons built still works', () => {
  test('GET /events: status 200, the SSE headers, a comment, retry: options.retryMs', async () => {
    const server = await lesson.start({ retryMs: 1234, intervalMs: 20 });
    const stream = await connectAndWaitForTicks(server, 1, READ.carried);
    expectSseHeaders(stream, READ.carried);
    check(stream.raw().startsWith(':'), {
      expected: 'the stream to start with lesson 07\'s comment line',
      got: `it starts with ${showBytes(stream.raw().slice(0, 40))}`,
      read: READ.carried,
    });
    check(stream.retries.join() === '1234', {
      expected: 'retry: 1234 (options.retryMs), once',
      got: stream.retries.length ? `retry: ${stream.retries.join(', ')}` : 'no retry field',
      read: READ.carried,
    });
  });

  test('createApp() without options: retry: 10000 and a tick every 1000 ms', async () => {
    const stream = await defaults.catch(() => undefined);
    check(stream, {
      expected: 'GET /events of createApp() (no options) to answer with its headers right away',
      got: 'no status line or headers within 5 s',
      read: READ.carried,
    });
    await until(() => tickIds(stream!.events).length >= 2, 2600);
    check(stream!.retries.join() === '10000', {
      expected: 'retry: 10000 when options.retryMs is not given',
      got: stream!.retries.length ? `retry: ${stream!.retries.join(', ')}` : 'no retry field',
      read: READ.carried,
    });
    // The stream has been open since before the first test: average over every
    // tick since, so that one late tick on a busy machine does not decide.
    const ticks = stream!.events.filter((event) => event.type === 'tick');
    const first = ticks[0];
    const last = ticks.at(-1);
    const gap = first && last && last !== first ? (last.at - first.at) / (Number(last.id) - Number(first.id)) : undefined;
    check(gap !== undefined && gap > 700 && gap < 1600, {
      expected: 'a tick every 1000 ms when options.intervalMs is not given',
      got: gap === undefined ? `${ticks.length} tick(s) within 2.6 s` : `${Math.round(gap)} ms between two ticks, on average over ${ticks.length}`,
      read: READ.carried,
    });
  });

  test('the welcome greets ?name=, and a name with line breaks cannot inject an event', async () => {
    const server = await lesson.start({ intervalMs: 20 });
    const plain = await connectAndWaitForTicks(server, 1, READ.carried);
    const forged = 'Eve\n\nevent: reset\ndata: forged';
    const named = await connect(server, READ.carried, { path: `/events?name=${encodeURIComponent(forged)}` });
    await until(() => tickIds(named.events).length >= 1, 2000);
    const welcome = (stream: Stream) => stream.events.find((event) => event.type === 'welcome')?.data;
    check(welcome(plain) === 'Hello, stranger', {
      expected: 'the welcome event of lesson 07: data "Hello, stranger" without ?name=',
      got: `${showBytes(welcome(plain) ?? '(no welcome event)')}`,
      read: READ.carried,
    });
    check(welcome(named) === `Hello, ${forged}` && otherTypes(named.events).length === 0, {
      expected: 'the whole name inside the welcome\'s data, and no other event: formatEvent splits data into data: lines',
      got: `the events ${named.events.slice(0, 4).map((e) => `${e.type} ${showBytes(e.data)}`).join(', ')}`,
      hint: 'Write every event with formatEvent.',
      read: READ.carried,
    });
  });

  test('after 40 clients came and went, nothing is written to their responses and no timer or socket is left', async () => {
    const server = await lesson.start({ intervalMs: 10 });
    await connectAndWaitForTicks(server, 1, READ.close).then((stream) => stream.close());
    const before = await pollUntil(() => server.stats(), (stats) => stats.openResponses === 0, 1000);
    for (let round = 0; round < 4; round++) {
      await Promise.all(Array.from({ length: 10 }, async () => (await connectAndWaitForTicks(server, 1, READ.close)).close()));
    }
    const after = await pollUntil(() => server.stats(), (stats) => stats.openResponses <= before.openResponses, 1000);
    // A few ticks more: each would be written to every response still in the set.
    await new Promise((resolve) => setTimeout(resolve, 80));
    const final = await server.stats();
    const writes = final.writesAfterClose - before.writesAfterClose;
    check(writes === 0, {
      expected: 'no write to a response after its client has gone',
      got: `${writes} write(s) to closed responses: their ticks still go to clients that left`,
      hint: 'Delete the response from the set of open streams on res "close".',
      read: READ.close,
    });
    const timers = (final.resources.Timeout ?? 0) - (before.resources.Timeout ?? 0);
    check(timers <= 0 && after.openResponses <= before.openResponses, {
      expected: 'no timer and no response left behind by the 40 clients',
      got: `${timers} more timer(s), ${after.openResponses - before.openResponses} more open response(s) than before they came`,
      hint: 'One timer for the whole server, in createApp; none per connection.',
      read: READ.close,
    });
  });

  test('GET / serves public/index.html', async () => {
    const server = await lesson.start({ intervalMs: 1000 });
    await expectPageServed(server, '08', READ.carried);
  });
});
