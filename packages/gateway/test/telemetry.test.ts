import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { IncomingHttpHeaders } from 'node:http';
import { chatBody, postChat, startGatewayWithUpstream, type UpstreamRig } from './helpers/gateway.ts';
import { readSse } from './helpers/sse.ts';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './helpers/otlp-receiver.ts';
import { MultiplexClient, openSocket, wsURL } from './helpers/ws.ts';

const CLIENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_PARENT = '00f067aa0ba902b7';
const SOCKET_TRACE = '0af7651916cd43dd8448eb211c80319c';
const SOCKET_PARENT = 'b7ad6b7169203331';
const MESSAGE_TRACE = 'a3ce929d0e0e47364bf92f3577b34da6';
const MESSAGE_PARENT = '53995c3f42cd8ad8';

describe('OpenTelemetry: spans and GenAI metrics over OTLP/HTTP to a loopback collector', () => {
  let receiver: OtlpReceiver;
  let rig: UpstreamRig;
  const upstreamHeaders: IncomingHttpHeaders[] = [];

  before(async () => {
    receiver = await startOtlpReceiver();
    rig = await startGatewayWithUpstream({
      otel: { endpoint: receiver.url, serviceName: 'sluice-test', metricIntervalMs: 200 },
      retries: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 },
      models: [{ name: 'chat-model', target: 'up/small' }],
    });
    rig.upstream.events.on('request', ({ headers }) => upstreamHeaders.push(headers));
  });
  after(async () => {
    await rig.close();
    await receiver.close();
  });

  const byStream = (spans: ReceivedSpan[], streamId: string) => {
    const request = spans.find((s) => s.attributes['sluice.stream.id'] === streamId);
    const attempts = request === undefined ? [] : spans.filter((s) => s.parentSpanId === request.spanId);
    return { request, attempts };
  };

  test('a streamed request is one server span with the GenAI attributes, continuing the client traceparent, with its attempt passed upstream', async () => {
    const seen = upstreamHeaders.length;
    const response = await postChat(rig.gateway, chatBody({ model: 'chat-model', stream: true, max_tokens: 50, temperature: 0.5, sim: { tokens: 12 } }), {
      traceparent: `00-${CLIENT_TRACE}-${CLIENT_PARENT}-01`,
      tracestate: 'vendor=abc',
    });
    const streamId = response.headers.get('x-sluice-stream-id')!;
    const sse = await readSse(response);
    assert.equal(sse.data.at(-1), '[DONE]');
    const spans = await receiver.waitForSpans((all) => byStream(all, streamId).attempts.length === 1);
    const { request, attempts } = byStream(spans, streamId);
    assert.ok(request !== undefined);
    assert.equal(request.name, 'chat chat-model');
    assert.equal(request.kind, 2, 'SPAN_KIND_SERVER');
    assert.equal(request.traceId, CLIENT_TRACE);
    assert.equal(request.parentSpanId, CLIENT_PARENT);
    assert.equal(request.resource['service.name'], 'sluice-test');
    const a = request.attributes;
    assert.equal(a['gen_ai.operation.name'], 'chat');
    assert.equal(a['gen_ai.provider.name'], 'openai');
    assert.equal(a['gen_ai.request.model'], 'chat-model');
    assert.equal(a['gen_ai.response.model'], 'small');
    assert.equal(a['gen_ai.request.max_tokens'], 50);
    assert.equal(a['gen_ai.request.temperature'], 0.5);
    assert.equal(a['gen_ai.usage.output_tokens'], 12);
    assert.ok((a['gen_ai.usage.input_tokens'] as number) > 0);
    assert.deepEqual(a['gen_ai.response.finish_reasons'], ['stop']);
    assert.equal(a['sluice.deployment'], 'up/small');
    assert.equal(a['sluice.key'], 'anonymous');
    assert.equal(a['sluice.retries'], 0);
    assert.equal(a['sluice.resumes'], 0);
    assert.ok(request.events.some((e) => e.name === 'sluice.first_token'));
    // Content stays in the gateway unless captureContent is on.
    assert.equal(a['gen_ai.input.messages'], undefined);
    assert.equal(a['gen_ai.output.messages'], undefined);

    const [attempt] = attempts;
    assert.equal(attempt.name, 'chat small');
    assert.equal(attempt.kind, 3, 'SPAN_KIND_CLIENT');
    assert.equal(attempt.attributes['sluice.attempt'], 1);
    assert.equal(attempt.attributes['gen_ai.usage.output_tokens'], 12);
    // The upstream was handed the attempt's context: same trace, the attempt span as parent, the client's tracestate kept.
    const upstream = upstreamHeaders.slice(seen).at(-1)!;
    assert.equal(upstream.traceparent, `00-${CLIENT_TRACE}-${attempt.spanId}-01`);
    assert.equal(upstream.tracestate, 'vendor=abc');
  });

  test('WebSocket requests continue the upgrade traceparent, or their own from the request message, and pass it upstream', async () => {
    const client = await MultiplexClient.connect(rig.gateway, ['sluice.v1'], { headers: { traceparent: `00-${SOCKET_TRACE}-${SOCKET_PARENT}-01`, tracestate: 'socket=1' } });
    try {
      // The requests run side by side on the socket; each upstream request is found by its attempt's span id.
      const served = async (id: string, extra: object) => {
        const capture = await client.request(id, { model: 'chat-model', messages: [{ role: 'user', content: 'hi' }], sim: { tokens: 4 } }, extra);
        assert.equal(capture.end.type, 'done', JSON.stringify(capture.end));
        const streamId = capture.accepted!.streamId;
        const spans = await receiver.waitForSpans((all) => byStream(all, streamId).attempts.length === 1);
        const { request, attempts } = byStream(spans, streamId);
        const upstream = upstreamHeaders.find((h) => String(h.traceparent).includes(attempts[0].spanId));
        return { request: request!, attempt: attempts[0], upstream: upstream ?? {} };
      };
      const malformed = ['00-not-a-trace-01', `00-${'0'.repeat(32)}-${MESSAGE_PARENT}-01`, `ff-${MESSAGE_TRACE}-${MESSAGE_PARENT}-01`, `00-${MESSAGE_TRACE}-${MESSAGE_PARENT}-01-extra`];
      const [plain1, plain2, own, ...bad] = await Promise.all([
        served('w1', {}),
        served('w2', {}),
        served('w3', { traceparent: `00-${MESSAGE_TRACE}-${MESSAGE_PARENT}-01`, tracestate: 'message=1' }),
        ...malformed.map((traceparent, i) => served(`bad${i}`, { traceparent })),
      ]);

      // No trace context in the message: the socket's, for every request on it.
      for (const { request, attempt, upstream } of [plain1, plain2]) {
        assert.equal(request.traceId, SOCKET_TRACE);
        assert.equal(request.parentSpanId, SOCKET_PARENT);
        assert.equal(request.attributes['gen_ai.request.model'], 'chat-model');
        assert.equal(upstream.traceparent, `00-${SOCKET_TRACE}-${attempt.spanId}-01`);
        assert.equal(upstream.tracestate, 'socket=1');
      }

      // The request's own traceparent wins for that request, with its own tracestate.
      assert.equal(own.request.traceId, MESSAGE_TRACE);
      assert.equal(own.request.parentSpanId, MESSAGE_PARENT);
      assert.equal(own.upstream.traceparent, `00-${MESSAGE_TRACE}-${own.attempt.spanId}-01`);
      assert.equal(own.upstream.tracestate, 'message=1');

      // A malformed one is ignored, as a malformed header is on HTTP: the socket's context stays.
      for (const [i, { request, attempt, upstream }] of bad.entries()) {
        assert.equal(request.traceId, SOCKET_TRACE, malformed[i]);
        assert.equal(upstream.traceparent, `00-${SOCKET_TRACE}-${attempt.spanId}-01`);
      }

      // A traceparent that is not a string is a malformed message, refused like any other field.
      const refused = await client.request('w4', { model: 'chat-model', messages: [{ role: 'user', content: 'hi' }] }, { traceparent: 7 });
      assert.equal(refused.end.type, 'error');
      assert.equal(refused.end.type === 'error' && refused.end.error.code, 'invalid_message');
      assert.equal(refused.accepted, undefined);
    } finally {
      client.close();
    }
  });

  test('a plain-mode WebSocket continues its upgrade traceparent for each body', async () => {
    const ws = await openSocket(wsURL(rig.gateway, '?model=chat-model'), [], { headers: { traceparent: `00-${SOCKET_TRACE}-${CLIENT_PARENT}-01` } });
    try {
      const seen = upstreamHeaders.length;
      const frames: string[] = [];
      const finished = new Promise<void>((resolve) =>
        ws.on('message', (data) => {
          frames.push(data.toString());
          if ((JSON.parse(data.toString()) as { choices?: { finish_reason: string | null }[] }).choices?.[0]?.finish_reason) resolve();
        }),
      );
      ws.send(JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], sim: { tokens: 3 } }));
      await finished;
      const streamId = `${(JSON.parse(frames[0]) as { id: string }).id}`.replace(/^chatcmpl-/, '');
      const spans = await receiver.waitForSpans((all) => byStream(all, streamId).attempts.length === 1);
      const { request, attempts } = byStream(spans, streamId);
      assert.equal(request!.traceId, SOCKET_TRACE);
      assert.equal(request!.parentSpanId, CLIENT_PARENT);
      assert.equal(upstreamHeaders.slice(seen).at(-1)!.traceparent, `00-${SOCKET_TRACE}-${attempts[0].spanId}-01`);
    } finally {
      ws.close();
    }
  });

  test('a retried request has two attempt spans under its request span: the failed one with its error, then the one that streamed', async () => {
    const response = await postChat(rig.gateway, chatBody({ model: 'chat-model', stream: true, sim: { tokens: 5, fault: { status: 503, key: 'otel-retry', times: 1 } } }));
    const streamId = response.headers.get('x-sluice-stream-id')!;
    assert.equal((await readSse(response)).data.at(-1), '[DONE]');
    const spans = await receiver.waitForSpans((all) => byStream(all, streamId).attempts.length === 2);
    const { request, attempts } = byStream(spans, streamId);
    assert.equal(request!.attributes['sluice.retries'], 1);
    // No traceparent from the client: a new trace, rooted at the request span.
    assert.equal(request!.parentSpanId.replace(/^0*$/, ''), '');
    const [failed, served] = attempts.sort((x, y) => Number(x.attributes['sluice.attempt']) - Number(y.attributes['sluice.attempt']));
    assert.equal(failed.attributes['sluice.attempt'], 1);
    assert.equal(failed.status.code, 2, 'STATUS_CODE_ERROR');
    assert.ok(String(failed.attributes['error.type']).length > 0);
    assert.equal(served.attributes['sluice.attempt'], 2);
    assert.notEqual(served.status.code, 2);
    assert.equal(served.attributes['gen_ai.usage.output_tokens'], 5);
  });

  test('a resume of a running stream is an event on its request span, and counted', async () => {
    const response = await postChat(rig.gateway, chatBody({ model: 'chat-model', stream: true, sim: { tokens: 20, delayMs: 15 } }), { 'x-sluice-resumable': '1' });
    const streamId = response.headers.get('x-sluice-stream-id')!;
    const token = response.headers.get('x-sluice-stream-token')!;
    const resumed = await readSse(await fetch(`${rig.gateway.baseURL}/streams/${streamId}?token=${token}&after=2`));
    assert.equal(resumed.data.at(-1), '[DONE]');
    await readSse(response);
    const spans = await receiver.waitForSpans((all) => byStream(all, streamId).request !== undefined);
    const { request } = byStream(spans, streamId);
    assert.equal(request!.attributes['sluice.resumes'], 1);
    const event = request!.events.find((e) => e.name === 'sluice.resume');
    assert.equal(event?.attributes['sluice.resume.after'], 2);
  });

  test('a failed request marks its span with error.type', async () => {
    const response = await postChat(rig.gateway, chatBody({ model: 'chat-model', stream: true, sim: { fault: { status: 400 } } }));
    assert.equal(response.status, 400);
    await response.text();
    const spans = await receiver.waitForSpans((all) => all.some((s) => s.kind === 2 && s.status.code === 2));
    const failed = spans.find((s) => s.kind === 2 && s.status.code === 2)!;
    assert.equal(failed.attributes['sluice.status'], 'error');
    assert.ok(String(failed.attributes['error.type']).length > 0);
  });

  test('the GenAI histograms reach the collector and the Prometheus endpoint with the same buckets', async () => {
    const deadline = Date.now() + 10_000;
    const names = () => new Set(receiver.metrics.filter((m) => m.points.some((p) => p.count > 0)).map((m) => m.name));
    while (Date.now() < deadline && names().size < 4) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual([...names()].filter((n) => n.startsWith('gen_ai.')).sort(), ['gen_ai.client.token.usage', 'gen_ai.server.request.duration', 'gen_ai.server.time_per_output_token', 'gen_ai.server.time_to_first_token']);
    const ttft = receiver.metrics.findLast((m) => m.name === 'gen_ai.server.time_to_first_token')!;
    assert.equal(ttft.unit, 's');
    const point = ttft.points.find((p) => p.attributes['gen_ai.request.model'] === 'chat-model')!;
    assert.equal(point.attributes['gen_ai.provider.name'], 'openai');
    assert.equal(point.explicitBounds[0], 0.001);
    const usage = receiver.metrics.findLast((m) => m.name === 'gen_ai.client.token.usage')!;
    assert.ok(usage.points.some((p) => p.attributes['gen_ai.token.type'] === 'output'));

    const text = await (await fetch(`${rig.gateway.url}/metrics`)).text();
    assert.match(text, /gen_ai_server_time_to_first_token_seconds_bucket\{le="0.001",gen_ai_operation_name="chat",gen_ai_provider_name="openai",gen_ai_request_model="chat-model",sluice_deployment="up\/small"\}/);
    assert.match(text, /gen_ai_server_request_duration_seconds_count\{[^}]*error_type="[a-z_]+"[^}]*\} 1/);
    assert.match(text, /gen_ai_client_token_usage_bucket\{[^}]*gen_ai_token_type="output"/);
    assert.match(text, /gen_ai_server_time_per_output_token_seconds_count/);
  });
});

describe('OpenTelemetry content capture', () => {
  test('otel.captureContent puts the prompt and the completion on the request span', async () => {
    const receiver = await startOtlpReceiver();
    const rig = await startGatewayWithUpstream({ otel: { endpoint: receiver.url, captureContent: true } });
    try {
      const response = await postChat(rig.gateway, chatBody({ model: 'up/small', stream: true, sim: { tokens: 6 } }));
      const streamId = response.headers.get('x-sluice-stream-id')!;
      const sse = await readSse(response);
      const text = sse.data.slice(0, -1).map((d) => (JSON.parse(d) as { choices: { delta?: { content?: string } }[] }).choices[0]?.delta?.content ?? '').join('');
      const spans = await receiver.waitForSpans((all) => all.some((s) => s.attributes['sluice.stream.id'] === streamId));
      const span = spans.find((s) => s.attributes['sluice.stream.id'] === streamId)!;
      assert.deepEqual(JSON.parse(String(span.attributes['gen_ai.input.messages'])), [{ role: 'user', parts: [{ type: 'text', content: 'Tell me about rivers.' }] }]);
      assert.deepEqual(JSON.parse(String(span.attributes['gen_ai.output.messages'])), [{ role: 'assistant', parts: [{ type: 'text', content: text }], finish_reason: 'stop' }]);
    } finally {
      await rig.close();
      await receiver.close();
    }
  });

  test('telemetry is off without an endpoint or otel.enabled, and OTEL_EXPORTER_OTLP_ENDPOINT turns it on', async () => {
    const { telemetrySettings } = await import('../src/telemetry/settings.ts');
    assert.equal(telemetrySettings({ captureContent: false }, {}), null);
    assert.equal(telemetrySettings({ captureContent: false, enabled: false }, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }), null);
    assert.equal(telemetrySettings({ captureContent: false }, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }), null);
    const on = telemetrySettings({ captureContent: false }, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/', OTEL_SERVICE_NAME: 'gw', OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20x', OTEL_METRICS_EXPORTER: 'none' });
    assert.equal(on?.tracesUrl, 'http://c:4318/v1/traces');
    assert.equal(on?.metricsUrl, null);
    assert.equal(on?.serviceName, 'gw');
    assert.deepEqual(on?.headers, { authorization: 'Bearer x' });
  });
});

