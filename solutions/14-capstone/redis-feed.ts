// The feed for many processes. Every process publishes to and listens on the
// same Redis:
// - a Redis Stream (XADD) keeps the latest events, capped at about historySize
//   entries, and gives each event its id: the same id on every process, so a
//   client's Last-Event-ID means the same thing wherever it reconnects;
// - a pub/sub channel (PUBLISH) tells every process about each new event at once.
import { createClient } from '@redis/client';
import type { Deliver, Feed } from './feed.ts';
import type { SseEvent } from './sse-format.ts';

// Run by Redis as one step, so no other process's event can come between the
// XADD and the PUBLISH: every process receives the events in the order of their ids.
const ADD_AND_ANNOUNCE = `
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'event', ARGV[2], 'data', ARGV[3])
redis.call('PUBLISH', KEYS[2], cjson.encode({ id = id, event = ARGV[2], data = ARGV[3] }))
return id
`;

export interface RedisFeedOptions {
  url: string;
  /** About how many events the stream keeps for clients that come back. */
  historySize: number;
  /** The names of the stream and the channel. Default "chat". */
  name?: string;
}

/**
 * A client that reconnects by itself after a lost connection. With
 * disableOfflineQueue, a command sent meanwhile fails at once instead of
 * waiting: a publish then answers 503 instead of hanging.
 */
function newClient(url: string) {
  const client = createClient({ url, disableOfflineQueue: true });
  // Without an error listener, a lost connection would crash the process.
  // It fails again at every attempt to reconnect: say it once, until it is back.
  let down = false;
  client.on('error', (error: Error) => {
    if (!down) console.warn(`Redis is unreachable (${error.message}); reconnecting.`);
    down = true;
  });
  client.on('ready', () => {
    down = false;
  });
  return client;
}

type Client = ReturnType<typeof newClient>;

export class RedisFeed implements Feed {
  private constructor(
    private readonly commands: Client,
    private readonly listener: Client,
    private readonly stream: string,
    private readonly channel: string,
    private readonly historySize: number,
  ) {}

  /** Connects twice: a connection that subscribes can run no other command. */
  static async connect(options: RedisFeedOptions, deliver: Deliver): Promise<RedisFeed> {
    const name = options.name ?? 'chat';
    const commands = newClient(options.url);
    const listener = newClient(options.url);
    await Promise.all([commands.connect(), listener.connect()]);
    await listener.subscribe(`${name}:live`, (message) => {
      const { id, event, data } = JSON.parse(message) as Required<Pick<SseEvent, 'id' | 'event' | 'data'>>;
      deliver({ id, event, data });
    });
    return new RedisFeed(commands, listener, `${name}:history`, `${name}:live`, options.historySize);
  }

  async publish(event: Omit<SseEvent, 'id'>): Promise<SseEvent> {
    const id = await this.commands.eval(ADD_AND_ANNOUNCE, {
      keys: [this.stream, this.channel],
      arguments: [String(this.historySize), event.event ?? 'message', event.data],
    });
    return { ...event, id: String(id) };
  }

  async after(lastId: string): Promise<SseEvent[] | undefined> {
    // Anything else is not an id this feed gave out.
    if (!/^\d+-\d+$/.test(lastId)) return undefined;
    // Like the in-memory history: only an id that is still kept says what came after it.
    const kept = await this.commands.xRange(this.stream, lastId, lastId);
    if (!kept || kept.length === 0) return undefined;
    // "(" makes the start exclusive: the events strictly after lastId.
    const entries = await this.commands.xRange(this.stream, `(${lastId}`, '+');
    return (entries ?? []).map((entry) => ({
      id: entry.id,
      event: String(entry.message.event),
      data: String(entry.message.data),
    }));
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.listener.close(), this.commands.close()]);
  }
}
