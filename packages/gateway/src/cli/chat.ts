import { SluiceClient, SluiceError, StreamInterruptedError } from '@sluice/client';
import { ErrorCodes } from '@sluice/protocol';

export interface ChatOptions {
  model?: string;
  url?: string;
  key?: string;
  transport?: string;
}

/**
 * `sluice chat "prompt"`: stream one answer from a gateway to the terminal
 * through the client SDK, then print usage and cost. Ctrl-C cancels the
 * stream upstream before exiting.
 */
export async function chat(prompt: string, options: ChatOptions): Promise<void> {
  const transport = options.transport ?? 'auto';
  if (transport !== 'auto' && transport !== 'sse' && transport !== 'ws') fail(`--transport: "${transport}" is not one of auto, sse, ws`);
  if (prompt.trim() === '') fail('the prompt is empty');
  let client: SluiceClient;
  try {
    client = new SluiceClient({ baseURL: apiBase(options.url ?? 'http://127.0.0.1:8787'), apiKey: options.key ?? process.env.SLUICE_API_KEY, transport });
  } catch (error) {
    fail(`--url: ${(error as Error).message}`);
  }
  const stream = client.chat.stream({ model: options.model ?? 'deepseek-v3.2', messages: [{ role: 'user', content: prompt }] });
  const cancel = () => stream.abort();
  process.once('SIGINT', cancel);
  try {
    for await (const chunk of stream) process.stdout.write(chunk.choices[0]?.delta.content ?? '');
    const final = await stream.final();
    const usage = final.usage;
    const tokens = usage ? `${usage.prompt_tokens} prompt + ${usage.completion_tokens} completion tokens${usage.estimated ? ' (estimated)' : ''}` : 'no usage reported';
    const cost = final.cost === null ? 'cost unknown' : `$${final.cost.toFixed(6)}`;
    const resumed = final.resumes > 0 ? `, resumed ${final.resumes}×` : '';
    process.stdout.write('\n');
    process.stderr.write(`\n${final.model} over ${final.transport}${resumed}: ${tokens}, ${cost}\n`);
  } catch (error) {
    process.stdout.write('\n');
    const text = error instanceof StreamInterruptedError && error.text ? ` (${error.text.length} characters arrived)` : '';
    const what = error instanceof SluiceError ? `${error.code}: ${error.message}` : String(error);
    process.stderr.write(`sluice chat: ${what}${text}\n`);
    if (error instanceof SluiceError && error.code === ErrorCodes.invalidApiKey) {
      const given = options.key !== undefined ? 'the key given with --key' : process.env.SLUICE_API_KEY ? 'the key in SLUICE_API_KEY' : 'no key';
      process.stderr.write(`sluice chat: the gateway refused ${given}; check --key (or SLUICE_API_KEY) against the gateway's "keys"\n`);
    }
    process.exitCode = 1;
  } finally {
    process.off('SIGINT', cancel);
    client.close();
  }
}

/** `http://host:port` or `…/v1`: the API base either way. */
function apiBase(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return trimmed.endsWith('/v1') ? trimmed : `${trimmed}/v1`;
}

function fail(message: string): never {
  process.stderr.write(`sluice chat: ${message}\n`);
  process.exit(2);
}
