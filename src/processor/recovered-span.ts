import {
  SpanStatusCode,
  type Attributes,
  type AttributeValue,
  type Exception,
  type HrTime,
  type Link,
  type Span,
  type SpanContext,
  type SpanKind,
  type SpanStatus,
  type TimeInput,
} from '@opentelemetry/api';
import { hrTimeDuration, timeInputToHrTime, type InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';

export interface RecoveredSpanInit {
  readonly spanContext: SpanContext;
  readonly parentSpanContext?: SpanContext;
  readonly name: string;
  readonly kind: SpanKind;
  readonly startTime: HrTime;
  /** Used by `end()` without a time: the dead process's last heartbeat. */
  readonly endTime: HrTime;
  readonly attributes: Attributes;
  readonly resource: Resource;
  readonly instrumentationScope: InstrumentationScope;
}

/**
 * The span of a stream whose process died, rebuilt from its crash journal with its original ids and
 * start time. It is both the API `Span` that StreamTelemetry writes (so a recovered stream gets the
 * exact attributes, events, status and metrics of a live one) and the SDK `ReadableSpan` that span
 * processors and exporters read: `end()` hands it to the processors' `onEnd`, the same path an SDK
 * span takes. No Tracer is involved because a Tracer always draws a new span id.
 */
export class RecoveredSpan implements Span, ReadableSpan {
  name: string;
  readonly kind: SpanKind;
  readonly parentSpanContext: SpanContext | undefined;
  readonly startTime: HrTime;
  endTime: HrTime = [0, 0];
  duration: HrTime = [0, 0];
  status: SpanStatus = { code: SpanStatusCode.UNSET };
  readonly attributes: Attributes;
  readonly links: Link[] = [];
  readonly events: TimedEvent[] = [];
  ended = false;
  readonly resource: Resource;
  readonly instrumentationScope: InstrumentationScope;
  readonly droppedAttributesCount = 0;
  readonly droppedEventsCount = 0;
  readonly droppedLinksCount = 0;
  private readonly context: SpanContext;
  private readonly plannedEnd: HrTime;
  private readonly onEnd: (span: ReadableSpan) => void;

  constructor(init: RecoveredSpanInit, onEnd: (span: ReadableSpan) => void) {
    this.context = init.spanContext;
    this.parentSpanContext = init.parentSpanContext;
    this.name = init.name;
    this.kind = init.kind;
    this.startTime = init.startTime;
    this.plannedEnd = init.endTime;
    this.attributes = { ...init.attributes };
    this.resource = init.resource;
    this.instrumentationScope = init.instrumentationScope;
    this.onEnd = onEnd;
  }

  spanContext(): SpanContext {
    return this.context;
  }

  setAttribute(key: string, value: AttributeValue): this {
    if (!this.ended && value !== undefined && value !== null) this.attributes[key] = value;
    return this;
  }

  setAttributes(attributes: Attributes): this {
    for (const key of Object.keys(attributes)) {
      const value = attributes[key];
      if (value !== undefined) this.setAttribute(key, value);
    }
    return this;
  }

  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    if (this.ended) return this;
    const isTime = typeof attributesOrTime === 'number' || Array.isArray(attributesOrTime) || attributesOrTime instanceof Date;
    const attributes = isTime ? undefined : attributesOrTime;
    const at = isTime ? attributesOrTime : time;
    this.events.push({
      name,
      attributes,
      time: at !== undefined ? timeInputToHrTime(at) : this.plannedEnd,
      droppedAttributesCount: 0,
    });
    return this;
  }

  addLink(link: Link): this {
    if (!this.ended) this.links.push(link);
    return this;
  }

  addLinks(links: Link[]): this {
    for (const link of links) this.addLink(link);
    return this;
  }

  setStatus(status: SpanStatus): this {
    if (!this.ended) this.status = { ...status };
    return this;
  }

  updateName(name: string): this {
    if (!this.ended) this.name = name;
    return this;
  }

  /** Ends at the planned end (the journal's last heartbeat) unless told otherwise, and exports. */
  end(endTime?: TimeInput): void {
    if (this.ended) return;
    this.endTime = endTime !== undefined ? timeInputToHrTime(endTime) : this.plannedEnd;
    this.duration = hrTimeDuration(this.startTime, this.endTime);
    this.ended = true;
    this.onEnd(this);
  }

  isRecording(): boolean {
    return !this.ended;
  }

  /** A recovered stream has no exception object (its process is gone); nothing to record. */
  recordException(_exception: Exception, _time?: TimeInput): void {
    return undefined;
  }
}
