// Every open stream of this process. The feed (memory-feed.ts or redis-feed.ts)
// hands each new event to broadcast() once; the hub sends the same bytes to
// every stream. It also keeps every stream alive through proxies with one
// heartbeat timer for all of them (lesson 09), and drops a stream whose client
// stopped reading before what waits for it grows past maxQueuedBytes (lesson 11).
import type { Writable } from 'node:stream';
import { formatComment, formatEvent, type SseEvent } from './sse-format.ts';

export interface HubOptions {
  /** How many bytes may wait for one slow client before it is dropped. */
  maxQueuedBytes: number;
  /** Time between two heartbeat comments on every open stream, in ms. */
  heartbeatMs: number;
}

// The same comment for every stream and every beat: encoded once.
const HEARTBEAT = Buffer.from(formatComment('heartbeat'));

export class Hub {
  private readonly subscribers = new Set<Writable>();
  /** Streams still being sent what they missed: their live events wait here. */
  private readonly catchingUp = new Map<Writable, SseEvent[]>();
  private readonly maxQueuedBytes: number;
  private readonly heartbeat: NodeJS.Timeout;
  private droppedCount = 0;

  constructor({ maxQueuedBytes, heartbeatMs }: HubOptions) {
    this.maxQueuedBytes = maxQueuedBytes;
    // One timer for the whole process rather than one per stream: with 10,000
    // clients that is 10,000 timers fewer, and each beat is one loop. unref():
    // the timer alone does not keep the process running (close() stops it).
    this.heartbeat = setInterval(() => this.beat(), heartbeatMs);
    this.heartbeat.unref();
  }

  /** How many streams were dropped so far because their client stopped reading. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** How many streams are subscribed right now. */
  get size(): number {
    return this.subscribers.size + this.catchingUp.size;
  }

  /** Live events from now on go to `stream` too, until unsubscribe(stream). */
  subscribe(stream: Writable): void {
    this.subscribers.add(stream);
  }

  /**
   * Like subscribe, for a stream that is first sent what it missed (read
   * asynchronously, from Redis): live events are kept for it meanwhile, so
   * none falls between the replay and the live stream.
   */
  subscribeLater(stream: Writable): void {
    this.catchingUp.set(stream, []);
  }

  /**
   * The replay of `stream` is written, up to the event with id `lastSentId`:
   * send it the live events that came meanwhile and are newer, then make it live.
   */
  goLive(stream: Writable, lastSentId: string | undefined): void {
    const held = this.catchingUp.get(stream);
    if (held === undefined) return; // it left meanwhile
    this.catchingUp.delete(stream);
    for (const event of held) {
      if (lastSentId === undefined || compareIds(event.id!, lastSentId) > 0) {
        stream.write(formatEvent(event));
      }
    }
    this.subscribers.add(stream);
  }

  /** Forgets `stream`: call it as soon as its client has gone. */
  unsubscribe(stream: Writable): void {
    this.subscribers.delete(stream);
    this.catchingUp.delete(stream);
  }

  /**
   * Writes an event that already has its id to every subscriber. It is
   * formatted and encoded once: every stream gets the same Buffer.
   */
  broadcast(event: SseEvent): void {
    const bytes = Buffer.from(formatEvent(event));
    for (const stream of this.subscribers) {
      this.send(stream, bytes);
    }
    for (const held of this.catchingUp.values()) {
      held.push(event);
    }
  }

  /** A heartbeat comment to every open stream, those still catching up included. */
  private beat(): void {
    for (const stream of [...this.subscribers, ...this.catchingUp.keys()]) {
      this.send(stream, HEARTBEAT);
    }
  }

  /** Writes `bytes` to `stream`, unless too much already waits for its client: then it is dropped. */
  private send(stream: Writable, bytes: Buffer): void {
    if (stream.writableLength > this.maxQueuedBytes) {
      this.drop(stream);
    } else {
      stream.write(bytes);
    }
  }

  /**
   * Ends every open stream (lesson 12): each gets `last`, when given, then the
   * end of its response, and is forgotten; the heartbeat stops. An EventSource then reconnects after
   * its retry delay, with Last-Event-ID, to whichever process answers.
   */
  close(last?: SseEvent): void {
    clearInterval(this.heartbeat);
    const bytes = last ? Buffer.from(formatEvent(last)) : undefined;
    for (const stream of [...this.subscribers, ...this.catchingUp.keys()]) {
      if (bytes) stream.write(bytes);
      stream.end();
    }
    this.subscribers.clear();
    this.catchingUp.clear();
  }

  /** Its client stopped reading: forget the stream and destroy it (lesson 11). */
  private drop(stream: Writable): void {
    const queued = stream.writableLength;
    this.subscribers.delete(stream);
    this.catchingUp.delete(stream);
    this.droppedCount++;
    stream.destroy();
    console.warn(
      `Dropped a slow client: ${queued} bytes were waiting to be sent (maxQueuedBytes: ${this.maxQueuedBytes}); ${this.droppedCount} dropped so far.`,
    );
  }
}

/**
 * Orders two event ids: "7" and "8" from the in-memory feed, or Redis stream
 * ids such as "1732834567123-0" (milliseconds, then a sequence number).
 */
export function compareIds(a: string, b: string): number {
  const [aTime = 0, aSeq = 0] = a.split('-').map(Number);
  const [bTime = 0, bSeq = 0] = b.split('-').map(Number);
  return aTime - bTime || aSeq - bSeq;
}
