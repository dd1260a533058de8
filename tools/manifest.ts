// The one list of lessons. The test switch, the tooling (verify, demo, progress,
// hint, diff, reset) and the docs index all read it; nothing else lists lessons.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Lesson {
  /** Two digits, as learners type it: `npm test lesson-03`, `npm run demo 03`. */
  id: string;
  /** Folder name after the id: lessons/03-retry, solutions/03-retry, docs/03-retry.md. */
  slug: string;
  title: string;
  /** The files the learner edits in this lesson (relative to the lesson folder). */
  files: string[];
  /** Progressive hints: `npm run hint 03` shows one more each call. */
  hints: string[];
  /** How `npm run demo` serves this lesson, when createApp's defaults do not make a working demo. */
  demo?: LessonDemo;
}

export interface LessonDemo {
  /** Passed as createApp(options). */
  options: Record<string, unknown>;
  /**
   * Accounts of `options` a person signs in with (POST /login {"user", "password"}
   * gives a token for /events?token=): the banner prints them, the demo page names them
   * in its sign-in form, which it shows when the stream answers 401.
   */
  signIn?: { user: string; password: string }[];
}

/** The demo's accounts (lessons 13 and 14, and demo:cluster): printed for everyone to read, never real passwords. */
const DEMO_USERS = { alice: 'wonderland', bob: 'builder' };
const demoSignIn: LessonDemo = {
  options: { users: DEMO_USERS },
  signIn: Object.entries(DEMO_USERS).map(([user, password]) => ({ user, password })),
};

export const lessons: Lesson[] = [
  {
    id: '01',
    slug: 'headers',
    title: 'Headers and flushHeaders',
    files: ['server.ts'],
    hints: [
      'An SSE response is an ordinary HTTP response whose headers say so: status 200, Content-Type: text/event-stream, Cache-Control: no-cache and Connection: keep-alive. This lesson writes no body at all.',
      'res.set() with an object sets several headers at once, but setting does not send: Node keeps the headers until the first body byte, and there is none. Node has a method that sends them on their own; do not end the response.',
      'In the handler: res.set({ \'Content-Type\': \'text/event-stream\', \'Cache-Control\': \'no-cache\', Connection: \'keep-alive\' }); then res.flushHeaders(); and nothing that ends the response.',
    ],
  },
  {
    id: '02',
    slug: 'write-vs-end',
    title: 'res.write versus res.end',
    files: ['server.ts'],
    hints: [
      'An event is one or more "field: value" lines followed by an empty line. The empty line is what tells the client the event is complete; without an event: field it arrives as a message.',
      'res.write() sends bytes and keeps the response open; res.send() and res.end() finish the response. In a JavaScript string a line break is \\n; the seed post lost its backslashes and wrote "nn".',
      'After res.flushHeaders(): res.write(\'data: hello\\n\\n\'); (the first \\n ends the data line, the second is the empty line that ends the event).',
    ],
  },
  {
    id: '03',
    slug: 'retry',
    title: 'The retry field',
    files: ['server.ts'],
    hints: [
      'retry is a field like data, on a line of its own: "retry:", then a whole number of milliseconds. The client applies it as soon as it reads the line, and ignores it unless the value is only digits.',
      'Read the delay once, at the top of createApp, from options.retryMs, falling back to 10000 only when the option is missing (0 is a value). Send the field right after the headers, before the hello event; build the line with backticks so that ${...} becomes the number.',
      'At the top of createApp: const retryMs = options.retryMs ?? 10_000; and right after res.flushHeaders(): res.write(`retry: ${retryMs}\\n\\n`);',
    ],
  },
  {
    id: '04',
    slug: 'counter',
    title: 'A counter every intervalMs',
    files: ['server.ts'],
    hints: [
      'Each connection needs its own count, declared inside the request handler, and one event per tick: data: 1, data: 2, ... The hello event goes.',
      'Something must run every intervalMs after the handler returned: a timer (setInterval), or an async loop that awaits a delay before each write. intervalMs comes from options, 1000 when it is missing (??, as retryMs in lesson 03).',
      'In createApp: const intervalMs = options.intervalMs ?? 1000; in the handler, instead of the hello: let count = 0; setInterval(() => { count++; res.write(`data: ${count}\\n\\n`); }, intervalMs); with backticks, so that ${count} becomes the number.',
    ],
  },
  {
    id: '05',
    slug: 'client',
    title: 'The client: EventSource in Node and in the browser',
    files: ['server.ts', 'client.ts', 'public/index.html'],
    hints: [
      'Three pieces: a route for GET / that sends public/index.html; a page script built on an EventSource for /events with open, error and message listeners; and subscribe() in client.ts built on the EventSource of the eventsource package (same API as the browser\'s).',
      'Messages arrive as "message" events; their text is event.data. On the page, one new element per message with the data as text (textContent), never innerHTML. In Node, pass event.data to onData and return a function that calls close().',
      'Find the page from the folder of server.ts (the starter calls it here), not from the folder Node was started in: sendFile with a root option, or express.static on the public folder.',
      'server.ts: app.get("/", (req, res) => { res.sendFile("index.html", { root: path.join(here, "public") }); }). Page: const source = new EventSource("/events"); on "open" and "error" set status.textContent; on "message" create an <li>, set its textContent to event.data and list.append it. client.ts: const source = new EventSource(url); source.addEventListener("message", (event) => onData(event.data)); return () => source.close();',
    ],
  },
  {
    id: '06',
    slug: 'disconnect',
    title: 'Disconnect handling',
    files: ['server.ts'],
    hints: [
      'When a client leaves, its response emits "close" (not "finish", which needs res.end(), and not req\'s "end"). Listen for it on res, inside the handler.',
      'setInterval returns the timer; clearInterval with it stops that timer only. Keep it in a const inside the handler, so each connection stops its own.',
      'const timer = setInterval(() => { count++; res.write(`data: ${count}\\n\\n`); }, intervalMs); then res.on("close", () => { clearInterval(timer); }); With a loop instead: check res.destroyed (or a flag set by the close listener) before each write and leave the loop; res.writableEnded stays false when a client leaves.',
    ],
  },
  {
    id: '07',
    slug: 'framing',
    title: 'Event names, ids and framing that cannot be forged',
    files: ['sse-format.ts', 'server.ts', 'client.ts', 'public/index.html'],
    hints: [
      'Start with formatEvent in sse-format.ts: one "name: value" line for each field that is given (event, id, retry), then the data, then an empty line. npm test lesson-07 calls it directly, before it looks at the server.',
      'The data may hold line breaks: split it at every one (\\r\\n, \\n and a lone \\r) and write one data: line per part; the client joins them with \\n. Empty data is one "data: " line.',
      'event and id are one line each: when the value holds \\r or \\n, or the id holds \\0, throw an error instead of writing it. retry must be a whole number of 0 or more. formatComment is ": ", the text and a line break, with the same check on the text.',
      'Then send every event through formatEvent: the welcome (with the retry), and each tick with the name tick, its count as id and JSON data such as {"count":3} (JSON.stringify, never by hand). Named events never reach "message" listeners: client.ts and the page listen for "welcome" and "tick".',
      'The exact lines: for (const line of data.split(/\\r\\n|\\r|\\n/)) block += `data: ${line}\\n`; in server.ts res.write(formatEvent({ event: "tick", id: String(count), data: JSON.stringify({ count }) })); in client.ts for (const type of ["welcome", "tick"]) source.addEventListener(type, (event) => onEvent({ type, id: event.lastEventId, data: event.data })).',
    ],
  },
  {
    id: '08',
    slug: 'resume',
    title: 'Resume with Last-Event-ID',
    files: ['history.ts', 'server.ts', 'client.ts', 'public/index.html'],
    hints: [
      'Start with history.ts: keep the events in an array, and when it holds more than size, drop the oldest one. after(lastId) finds the event with that id and returns the ones behind it; when none has that id, it returns undefined.',
      'In server.ts, move the count and the timer out of the /events handler into createApp: one sequence for the whole server. Each tick goes into the history and to every open response, which you keep in a Set (add on connect, delete on "close").',
      'The reconnecting client sends the id of the last event it got in a request header: read it with req.get("Last-Event-ID"). No header: a new client, live events only. A header: write history.after(id) before you add the response to the Set, or a reset event when after() says undefined.',
      'The exact lines: const missed = history.after(lastEventId); if (missed === undefined) res.write(formatEvent({ event: "reset", data: "..." })); else for (const event of missed) res.write(formatEvent(event)); then streams.add(res). In client.ts and the page, add "reset" to the names you listen for; on the page, list.replaceChildren() empties the list.',
    ],
  },
  {
    id: '09',
    slug: 'heartbeats',
    title: 'Heartbeats, proxies and compression',
    files: ['server.ts'],
    hints: [
      'A heartbeat is a comment: a line that starts with a colon. Every client reads it and throws it away, yet a proxy sees bytes go by. Lesson 07\'s sse-format.ts already has a function that writes one.',
      'One heartbeat timer per stream, next to the stream\'s other set-up in the /events handler, every options.heartbeatMs (15000 when not given); stop it in the same "close" listener that forgets the stream.',
      'Two response headers: X-Accel-Buffering: no turns nginx\'s buffering off for this response, and no-transform added to Cache-Control keeps compression middleware (and proxies) from compressing, and so holding back, the stream.',
      'The exact lines: \'Cache-Control\': \'no-cache, no-transform\' and \'X-Accel-Buffering\': \'no\' in res.set; const heartbeatMs = options.heartbeatMs ?? 15_000 in createApp; const heartbeat = setInterval(() => { res.write(formatComment(\'heartbeat\')); }, heartbeatMs) in the handler; clearInterval(heartbeat) in res.on("close").',
    ],
  },
  {
    id: '10',
    slug: 'broadcast',
    title: 'Broadcast to many clients',
    files: ['hub.ts', 'server.ts'],
    hints: [
      'Start with hub.ts: it owns what server.ts keeps today for broadcasting (the Set of open streams, the history, the count of ids). server.ts then only calls subscribe, unsubscribe, after and publish.',
      'publish gives the event the next id, keeps it in the history, turns it into text once (formatEvent), and writes that same text (or a Buffer made from it once) to every subscriber. Ticks and chat messages both go through it, so they share one sequence of ids.',
      'POST /messages needs a body parser for JSON on that route (Express has one built in). Check that req.body.text is a non-empty string; answer 400 when it is not, a 2xx when it was published. The text is the data of an event named "chat".',
      'The exact lines: in publish, this.lastId++; const numbered = { ...event, id: String(this.lastId) }; this.history.add(numbered); const bytes = Buffer.from(formatEvent(numbered)); for (const stream of this.subscribers) stream.write(bytes); in server.ts app.post("/messages", express.json(), (req, res) => { ... hub.publish({ event: "chat", data: text }); res.status(201).json({ id: event.id }); }); and hub.unsubscribe(res) in res.on("close").',
    ],
  },
  {
    id: '11',
    slug: 'backpressure',
    title: 'Slow clients and backpressure',
    files: ['hub.ts', 'server.ts'],
    hints: [
      'res.write() never refuses bytes: when the client does not read, they wait in the server\'s memory, and write() returns false. A stream tells you how many bytes wait for it: look that property up in the Node stream docs (writable...).',
      'Give createApp a maxQueuedBytes option (1 MiB when it is not given) and hand it to the hub. In publish, before writing to a subscriber, compare what already waits for it with that bound.',
      'Past the bound, drop the subscriber: forget it, destroy the stream (res.end() would wait for the client to read what is queued, which it never does), count it and log it. Waiting for "drain" instead would stall every other client or keep the queue for ever.',
      'The exact lines: in publish, if (stream.writableLength > this.maxQueuedBytes) { this.drop(stream); } else { stream.write(bytes); } and in drop: this.subscribers.delete(stream); this.droppedCount++; stream.destroy(); console.warn(`Dropped a slow client ...`); in server.ts const maxQueuedBytes = options.maxQueuedBytes ?? 1024 * 1024; new Hub(historySize, maxQueuedBytes).',
    ],
  },
  {
    id: '12',
    slug: 'clean-stop',
    title: 'Stopping cleanly',
    files: ['hub.ts', 'server.ts', 'main.ts'],
    hints: [
      'Three pieces: a stream that is over answers 204 (server.ts); app.stop() ends every open stream and the ticks (hub.ts and server.ts); main.ts calls it when SIGTERM arrives and closes the server.',
      'An EventSource reconnects after any end of its stream, and after a network error; a 204 No Content answer is the one that makes it stop for good. Keep a flag that says the stream is over, set after the last tick.',
      'The hub knows every open stream: give it a method that writes a last event to each (stop() needs one), ends each response with end() (not destroy(), which cuts it), and forgets them all. setInterval returns a handle: keep it to clear it.',
      'createApp can return the app with one more property: Object.assign(app, { stop }). In main.ts, on SIGTERM: server.close() (no new connections; its callback runs once all are gone), app.stop(), then server.closeIdleConnections() once the last bytes are out, and a timer (unref) that calls closeAllConnections() as a last resort.',
      'The exact lines: in the Hub, close(last) { for (const stream of this.subscribers) { if (last) stream.write(Buffer.from(formatEvent(last))); stream.end(); } this.subscribers.clear(); } in createApp, const ticker = setInterval(...); in it, if (count === lastTick) { over = true; clearInterval(ticker); hub.close(); } in GET /events, if (over) { res.status(204).end(); return; } and function stop() { clearInterval(ticker); hub.close({ event: "bye", data: "..." }); } return Object.assign(app, { stop }); in main.ts process.once("SIGTERM", () => { server.close(); app.stop(); setImmediate(() => server.closeIdleConnections()); setTimeout(() => server.closeAllConnections(), 5000).unref(); }).',
    ],
  },
  {
    id: '13',
    slug: 'auth-cors',
    title: 'Who may listen: auth and CORS',
    files: ['auth.ts', 'cors.ts', 'server.ts'],
    hints: [
      'Four pieces: POST /login gives a short-lived signed token (auth.ts); every stream and POST /messages checks it before anything else (server.ts); a CORS middleware answers the allowed origins only (cors.ts); and POST /events, a stream for clients that send the token in a header.',
      'A token that needs no storage: a payload (the user and an expiry time) and its HMAC signature with a secret only the server knows (node:crypto createHmac). Verifying means signing the payload again, comparing in constant time (timingSafeEqual), and checking the expiry.',
      'The check comes first in the handler: answer 401 and return before any header of the stream is set, before flushHeaders, before the retry. The browser\'s EventSource sends ?token= in the URL; fetch clients send Authorization: Bearer <token>.',
      'CORS: Vary: Origin on every answer; Access-Control-Allow-Origin set to the request\'s Origin only when the allowlist has it, with Access-Control-Allow-Credentials: true; an OPTIONS preflight from an allowed origin gets Allow-Methods and Allow-Headers (Authorization, Content-Type). For the POST stream, clean up on res\'s close: req\'s fires once the body has been read.',
      'The exact lines: in auth.ts, issue: const payload = Buffer.from(JSON.stringify({ user, exp: Date.now() + this.ttlMs })).toString("base64url"); return `${payload}.${this.sign(payload)}`; sign: createHmac("sha256", this.secret).update(payload).digest("base64url"); in cors.ts res.vary("Origin"); if (origin !== undefined && allowed.has(origin)) res.set({ "Access-Control-Allow-Origin": origin, "Access-Control-Allow-Credentials": "true" }); in server.ts, first in each stream route and POST /messages: if (tokens.verify(token) === undefined) { res.status(401).json({ error: "Sign in first" }); return; }',
    ],
    demo: demoSignIn,
  },
  {
    id: '14',
    slug: 'capstone',
    title: 'Capstone: a live chat on many processes',
    files: ['redis-feed.ts', 'server.ts'],
    hints: [
      'Sign-in and CORS (lesson 13) and the clean stop (lesson 12) are already carried into the capstone: what is left is Redis. Run two processes with npm run demo:cluster -- --processes 2, post on one page and watch the other stay empty: each process has its own hub.',
      'server.ts chooses its feed once, in createApp: RedisFeed.connect(...) when options.redisUrl or process.env.REDIS_URL is set, the MemoryFeed otherwise. Everything else in server.ts talks to the Feed interface, and the hub gets every event from the feed\'s deliver callback.',
      'RedisFeed.publish adds the event to the stream (XADD with MAXLEN ~ historySize, id *) and announces it on the channel, with the id Redis gave it. Do both in one Lua script (client.eval): two separate commands let another process\'s event come in between, and processes would see different orders.',
      'RedisFeed.after: XRANGE the stream from lastId to lastId first (is it still kept? if not, undefined), then from "(" + lastId (exclusive) to "+". In server.ts, wrap feed.publish in try/catch and answer 503: with disableOfflineQueue, a publish fails at once while Redis is down.',
      'The exact lines: in redis-feed.ts publish: const id = await this.commands.eval(ADD_AND_ANNOUNCE, { keys: [this.stream, this.channel], arguments: [String(this.historySize), event.event ?? \'message\', event.data] }); with the script local id = redis.call(\'XADD\', KEYS[1], \'MAXLEN\', \'~\', ARGV[1], \'*\', \'event\', ARGV[2], \'data\', ARGV[3]) redis.call(\'PUBLISH\', KEYS[2], cjson.encode({ id = id, event = ARGV[2], data = ARGV[3] })) return id; in server.ts const redisUrl = options.redisUrl ?? process.env.REDIS_URL; const feed = redisUrl ? await RedisFeed.connect({ url: redisUrl, historySize }, deliver) : new MemoryFeed(historySize, deliver); and around the publish: try { ... } catch (error) { res.status(503).json({ error: `...: ${(error as Error).message}` }); }',
    ],
    demo: demoSignIn,
  },
];

/** The repository root, wherever the workshop was cloned. */
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export type Tree = 'lessons' | 'solutions';

export const folderName = (lesson: Lesson): string => `${lesson.id}-${lesson.slug}`;
export const lessonDir = (lesson: Lesson, tree: Tree = 'lessons'): string =>
  path.join(root, tree, folderName(lesson));
export const docsPath = (lesson: Lesson): string => path.join(root, 'docs', `${folderName(lesson)}.md`);
export const testPath = (lesson: Lesson): string =>
  path.join(root, 'test', `lesson-${folderName(lesson)}.test.ts`);

/**
 * Finds a lesson from what a learner typed: "3", "03", "lesson-03" or "03-retry".
 * Returns undefined when nothing matches; callers print the one-line error.
 */
export function findLesson(input: string | undefined): Lesson | undefined {
  if (!input) return undefined;
  const match = /^(?:lesson-?)?(\d{1,2})(?:-[\w-]+)?$/i.exec(input.trim());
  if (!match) return undefined;
  const id = match[1]!.padStart(2, '0');
  return lessons.find((lesson) => lesson.id === id);
}

export const lessonList = (): string => lessons.map((l) => l.id).join(', ');
