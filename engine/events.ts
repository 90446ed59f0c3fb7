import { EventEmitter } from 'node:events';

export type EventType = 'image' | 'container' | 'volume' | 'network' | 'daemon' | 'plugin' | 'service';

/** One entry of `GET /events`, shaped as dockerd sends it. */
export interface EngineEvent {
  Type: EventType;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local';
  time: number;
  timeNano: number;
  /** Deprecated fields dockerd still sends for old clients. */
  status?: string;
  id?: string;
  from?: string;
}

const HISTORY = 1024;

/** The engine's event bus: keeps a bounded history for `since` and notifies live subscribers. */
export class EventBus {
  private readonly emitter = new EventEmitter();
  private readonly history: EngineEvent[] = [];
  private lastNano = 0n;

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  emit(type: EventType, action: string, id: string, attributes: Record<string, string> = {}): EngineEvent {
    // Nanosecond timestamps strictly increase so `since`/`until` cuts are exact.
    let nano = BigInt(Date.now()) * 1_000_000n;
    if (nano <= this.lastNano) nano = this.lastNano + 1n;
    this.lastNano = nano;
    const event: EngineEvent = {
      Type: type,
      Action: action,
      Actor: { ID: id, Attributes: attributes },
      scope: 'local',
      time: Number(nano / 1_000_000_000n),
      timeNano: Number(nano),
    };
    if (type === 'image' || type === 'container') {
      event.status = action;
      event.id = id;
      if (type === 'container' && attributes.image) event.from = attributes.image;
    }
    this.history.push(event);
    if (this.history.length > HISTORY) this.history.shift();
    this.emitter.emit('event', event);
    return event;
  }

  past(): readonly EngineEvent[] {
    return this.history;
  }

  subscribe(listener: (e: EngineEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}
