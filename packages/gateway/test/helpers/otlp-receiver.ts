import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A span as an OTLP/HTTP JSON export carries it, attributes flattened to plain values. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  events: { name: string; attributes: Record<string, unknown> }[];
  status: { code?: number; message?: string };
  resource: Record<string, unknown>;
}

export interface ReceivedMetric {
  name: string;
  unit: string;
  points: { attributes: Record<string, unknown>; count: number; sum: number; bucketCounts: number[]; explicitBounds: number[] }[];
}

/**
 * A loopback OpenTelemetry collector: accepts OTLP/HTTP JSON on /v1/traces
 * and /v1/metrics, as a real collector does, and keeps what it received.
 */
export interface OtlpReceiver {
  url: string;
  spans: ReceivedSpan[];
  metrics: ReceivedMetric[];
  /** Resolves once `predicate` holds for the spans received, or rejects after `timeoutMs`. */
  waitForSpans(predicate: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

type AnyValue = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean; arrayValue?: { values?: AnyValue[] } };
type KeyValue = { key: string; value: AnyValue };

function valueOf(value: AnyValue): unknown {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(valueOf);
  return undefined;
}

function attributesOf(list: KeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, valueOf(kv.value)]));
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const metrics: ReceivedMetric[] = [];
  const waiters = new Set<() => void>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        if (!String(req.headers['content-type']).includes('json')) throw new Error(`expected JSON, got ${req.headers['content-type']}`);
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown[]>;
        if (req.url === '/v1/traces') collectSpans(body, spans);
        else if (req.url === '/v1/metrics') collectMetrics(body, metrics);
        else throw new Error(`unexpected path ${req.url}`);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        for (const wake of waiters) wake();
      } catch (error) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    metrics,
    waitForSpans(predicate, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(spans)) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(spans);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`spans not received in ${timeoutMs} ms; have: ${spans.map((s) => s.name).join(', ')}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function collectSpans(body: Record<string, unknown[]>, into: ReceivedSpan[]): void {
  for (const rs of (body.resourceSpans ?? []) as { resource?: { attributes?: KeyValue[] }; scopeSpans?: { spans?: Record<string, unknown>[] }[] }[]) {
    const resource = attributesOf(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const span of ss.spans ?? []) {
        into.push({
          traceId: String(span.traceId),
          spanId: String(span.spanId),
          parentSpanId: String(span.parentSpanId ?? ''),
          name: String(span.name),
          kind: Number(span.kind),
          attributes: attributesOf(span.attributes as KeyValue[]),
          events: ((span.events ?? []) as { name: string; attributes?: KeyValue[] }[]).map((e) => ({ name: e.name, attributes: attributesOf(e.attributes) })),
          status: (span.status ?? {}) as { code?: number; message?: string },
          resource,
        });
      }
    }
  }
}

function collectMetrics(body: Record<string, unknown[]>, into: ReceivedMetric[]): void {
  for (const rm of (body.resourceMetrics ?? []) as { scopeMetrics?: { metrics?: Record<string, unknown>[] }[] }[]) {
    for (const sm of rm.scopeMetrics ?? []) {
      for (const metric of sm.metrics ?? []) {
        const histogram = metric.histogram as { dataPoints?: Record<string, unknown>[] } | undefined;
        into.push({
          name: String(metric.name),
          unit: String(metric.unit ?? ''),
          points: (histogram?.dataPoints ?? []).map((p) => ({
            attributes: attributesOf(p.attributes as KeyValue[]),
            count: Number(p.count),
            sum: Number(p.sum),
            bucketCounts: ((p.bucketCounts ?? []) as (string | number)[]).map(Number),
            explicitBounds: ((p.explicitBounds ?? []) as number[]).map(Number),
          })),
        });
      }
    }
  }
}
