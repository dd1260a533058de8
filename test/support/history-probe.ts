// Runs in the learner's process (through the host's `call` op), never in the
// test's: builds the EventHistory of lesson 08's history.ts, adds events to it,
// asks it questions, and measures how much memory it keeps. Only JSON goes back.
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';

export interface HistoryScenario {
  /** The size given to new EventHistory(size). */
  size: number;
  /** How many events to add, with ids "1", "2", ... and data {"count":n}. */
  count: number;
  /** When set, each event's data is this many characters long, and the memory the history keeps is measured. */
  dataChars?: number;
  /** Ids to ask after(id) about, once every event is added. */
  queries: string[];
}

export interface HistoryAnswer {
  /** The ids of the events after() returned, or null when it returned undefined. */
  ids: string[] | null;
  /** What after() returned when it was neither undefined nor an array of events. */
  odd?: string;
  /** False when an event came back with other data than it was added with. */
  intact: boolean;
}

export type HistoryProbe =
  | { problem: string }
  | { answers: Record<string, HistoryAnswer>; keptBytes?: number };

interface EventLike {
  id?: unknown;
  data?: unknown;
}
interface HistoryLike {
  add(event: { event: string; id: string; data: string }): void;
  after(lastId: string): unknown;
}

/**
 * Data of event n: small JSON, or padded to `chars` characters. The padding is
 * a new string for every event (padEnd and repeat may share theirs, and then
 * 10,000 events cost almost nothing, kept or not).
 */
const dataOf = (n: number, chars?: number) => {
  const json = JSON.stringify({ count: n });
  return chars ? json + Buffer.alloc(Math.max(0, chars - json.length), '.').toString('latin1') : json;
};

function collectGarbage(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

export async function probeHistory(file: string, scenario: HistoryScenario): Promise<HistoryProbe> {
  const mod = (await import(pathToFileURL(file).href)) as { EventHistory?: unknown };
  if (typeof mod.EventHistory !== 'function') return { problem: 'history.ts exports no class EventHistory' };
  const History = mod.EventHistory as new (size: number) => HistoryLike;

  const gc = scenario.dataChars ? collectGarbage() : undefined;
  gc?.();
  const before = process.memoryUsage().heapUsed;

  let history: HistoryLike;
  try {
    history = new History(scenario.size);
  } catch (error) {
    return { problem: `new EventHistory(${scenario.size}) threw ${String(error)}` };
  }
  for (let n = 1; n <= scenario.count; n++) {
    try {
      history.add({ event: 'tick', id: String(n), data: dataOf(n, scenario.dataChars) });
    } catch (error) {
      return { problem: `add() threw ${String(error)} when given event ${n}` };
    }
  }

  let keptBytes: number | undefined;
  if (gc) {
    gc();
    keptBytes = process.memoryUsage().heapUsed - before;
  }

  const answers: Record<string, HistoryAnswer> = {};
  for (const id of scenario.queries) {
    let result: unknown;
    try {
      result = history.after(id);
    } catch (error) {
      return { problem: `after(${JSON.stringify(id)}) threw ${String(error)}` };
    }
    if (result === undefined) {
      answers[id] = { ids: null, intact: true };
    } else if (!Array.isArray(result)) {
      answers[id] = { ids: null, odd: result === null ? 'null' : typeof result, intact: false };
    } else {
      const events = result as EventLike[];
      answers[id] = {
        ids: events.map((event) => String(event?.id)),
        intact: events.every((event) => event?.data === dataOf(Number(event?.id), scenario.dataChars)),
      };
    }
  }
  return { answers, keptBytes };
}
