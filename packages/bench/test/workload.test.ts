import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BadPromptError, checkText, encodePrompt, expectedText, parsePrompt } from '../src/workload.ts';

test('a stream spec survives the prompt it travels in', () => {
  const spec = { id: 'ttft.sluice-sse-h1.42.7', chunks: 64, ttftMs: 0, itlMs: 20 };
  assert.deepEqual(parsePrompt(encodePrompt(spec)), spec);
});

test('anything that is not a bench prompt is refused with a clear error', () => {
  for (const prompt of ['hello', 'bench id=a chunks=-1 ttft=0 itl=0', 'bench id=a chunks=2 ttft=0', 'bench id=a/b chunks=2 ttft=0 itl=0', 'bench chunks=2 ttft=0 itl=0', 'bench id=a chunks=1e9 ttft=0 itl=0']) {
    assert.throws(() => parsePrompt(prompt), BadPromptError, prompt);
  }
});

test('exact text passes; lost, duplicated and foreign chunks are each counted', () => {
  assert.deepEqual(checkText(expectedText(5), 5), { exact: true, lost: 0, duplicated: 0 });
  assert.deepEqual(checkText('0 1 3 4 ', 5), { exact: false, lost: 1, duplicated: 0 });
  assert.deepEqual(checkText('0 1 2 2 3 4 ', 5), { exact: false, lost: 0, duplicated: 1 });
  assert.deepEqual(checkText('0 1 2 3 4 x ', 5), { exact: false, lost: 0, duplicated: 1 });
  assert.deepEqual(checkText('', 3), { exact: false, lost: 3, duplicated: 0 });
  // Reordered chunks are neither lost nor duplicated, but the stream is still not exact.
  assert.equal(checkText('1 0 2 ', 3).exact, false);
});
