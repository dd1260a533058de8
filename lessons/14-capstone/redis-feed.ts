// The feed for many processes. Every process publishes to and listens on the
// same Redis:
// - a Redis Stream (XADD) keeps the latest events, capped at about historySize
//   entries, and gives each event its id: the same id on every process, so a
//   client's Last-Event-ID means the same thing wherever it reconnects;
// - a pub/sub channel (PUBLISH) tells every process about each new event at once.
import { createClient } from '@redis/client';
import type { Deliver, Feed } from './feed.ts';
import type { SseEvent } from './sse-format.ts';

// TODO 2: publish() must add the event to the stream and announce it on the
// channel so that no other process's event can come in between.
// Read docs/14-capstone.md#one-order-for-every-process

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
    // TODO 2: add the event to this.stream, capped at about this.historySize
    // entries, announce it on this.channel with the id Redis gave it (the
    // listener in connect() expects JSON with id, event and data), and return it with that id.
    // Read docs/14-capstone.md#many-processes-one-redis
    throw new Error(`TODO: RedisFeed.publish (${this.stream}, ${this.channel}, ${this.historySize})`);
  }

  async after(lastId: string): Promise<SseEvent[] | undefined> {
    // TODO 3: the events of this.stream after the one with id lastId, oldest
    // first; undefined when that id is not (or no longer) in the stream.
    // Read docs/14-capstone.md#resuming-on-another-process
    throw new Error(`TODO: RedisFeed.after(${lastId})`);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.listener.close(), this.commands.close()]);
  }
}
