import type { Signer } from '../signer.ts';

/**
 * What the Messages API refuses, from its reference: an Anthropic error
 * (type and message in the API's own wording) or null when the request
 * is one the real API would accept.
 */
export interface Refusal {
  status: number;
  type: string;
  message: string;
}

const TOP_LEVEL = new Set(['model', 'messages', 'max_tokens', 'system', 'temperature', 'top_p', 'top_k', 'stop_sequences', 'stream', 'tools', 'tool_choice', 'thinking', 'metadata', 'output_config', 'service_tier', 'cache_control', 'container', 'inference_geo']);
const USER_BLOCKS = new Set(['text', 'image', 'document', 'tool_result', 'search_result']);
const ASSISTANT_BLOCKS = new Set(['text', 'tool_use', 'thinking', 'redacted_thinking', 'server_tool_use']);
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

type Json = Record<string, unknown>;

const invalid = (message: string): Refusal => ({ status: 400, type: 'invalid_request_error', message });

export function validateMessagesRequest(body: Json, signer: Signer): Refusal | null {
  for (const key of Object.keys(body)) if (!TOP_LEVEL.has(key)) return invalid(`${key}: Extra inputs are not permitted`);
  if (typeof body.model !== 'string' || body.model === '') return invalid('model: Field required');
  if (body.max_tokens === undefined) return invalid('max_tokens: Field required');
  if (!Number.isInteger(body.max_tokens) || (body.max_tokens as number) < 1) return invalid('max_tokens: Input should be a valid integer greater than or equal to 1');
  if (!Array.isArray(body.messages) || body.messages.length === 0) return invalid('messages: at least one message is required');
  if (body.temperature !== undefined && !(typeof body.temperature === 'number' && body.temperature >= 0 && body.temperature <= 1)) return invalid('temperature: Input should be less than or equal to 1');
  if (body.top_p !== undefined && !(typeof body.top_p === 'number' && body.top_p >= 0 && body.top_p <= 1)) return invalid('top_p: Input should be less than or equal to 1');
  if (body.system !== undefined && typeof body.system !== 'string' && !Array.isArray(body.system)) return invalid('system: Input should be a valid string or list of text blocks');
  if (body.stop_sequences !== undefined) {
    if (!Array.isArray(body.stop_sequences) || !body.stop_sequences.every((s) => typeof s === 'string' && s.trim() !== '')) return invalid('stop_sequences: each stop sequence must contain non-whitespace');
  }
  return checkThinkingConfig(body) ?? checkTools(body) ?? checkMessages(body.messages as unknown[], body.thinking !== undefined && (body.thinking as Json).type === 'enabled', signer);
}

function checkThinkingConfig(body: Json): Refusal | null {
  const thinking = body.thinking as Json | undefined;
  if (thinking === undefined || thinking.type === 'disabled') return null;
  if (thinking.type === 'adaptive') return null;
  if (thinking.type !== 'enabled') return invalid("thinking.type: Input should be 'enabled', 'disabled' or 'adaptive'");
  const budget = thinking.budget_tokens;
  if (!Number.isInteger(budget) || (budget as number) < 1024) return invalid('thinking.enabled.budget_tokens: Input should be greater than or equal to 1024');
  if ((budget as number) >= (body.max_tokens as number)) return invalid('`max_tokens` must be greater than `thinking.budget_tokens`.');
  if (body.temperature !== undefined && body.temperature !== 1) return invalid('`temperature` may only be set to 1 when thinking is enabled.');
  if (body.top_p !== undefined && (body.top_p as number) < 0.95) return invalid('`top_p` must be greater than or equal to 0.95 or unset when thinking is enabled.');
  if (body.top_k !== undefined) return invalid('`top_k` must be unset when thinking is enabled.');
  const choice = (body.tool_choice as Json | undefined)?.type;
  if (choice === 'any' || choice === 'tool') return invalid('Thinking may not be enabled when `tool_choice` forces tool use.');
  return null;
}

function checkTools(body: Json): Refusal | null {
  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools)) return invalid('tools: Input should be a valid list');
    for (const [i, tool] of (body.tools as Json[]).entries()) {
      if (typeof tool.name !== 'string' || !/^[a-zA-Z0-9_-]{1,128}$/.test(tool.name)) return invalid(`tools.${i}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`);
      const schema = tool.input_schema as Json | undefined;
      if (schema?.type !== 'object') return invalid(`tools.${i}.custom.input_schema.type: Input should be 'object'`);
      for (const key of Object.keys(tool)) if (!['name', 'description', 'input_schema', 'strict', 'cache_control', 'type'].includes(key)) return invalid(`tools.${i}.custom.${key}: Extra inputs are not permitted`);
    }
  }
  const choice = body.tool_choice as Json | undefined;
  if (choice !== undefined) {
    if (!['auto', 'any', 'tool', 'none'].includes(choice.type as string)) return invalid("tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'");
    if (choice.type === 'tool' && typeof choice.name !== 'string') return invalid('tool_choice.tool.name: Field required');
  }
  return null;
}

function blocksOf(content: unknown): Json[] | null {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return Array.isArray(content) ? (content as Json[]) : null;
}

function checkMessages(messages: unknown[], thinking: boolean, signer: Signer): Refusal | null {
  const parsed: { role: string; blocks: Json[] }[] = [];
  for (const [i, message] of (messages as Json[]).entries()) {
    if (message.role !== 'user' && message.role !== 'assistant') return invalid(`messages.${i}.role: Input should be 'user' or 'assistant'`);
    const blocks = blocksOf(message.content);
    if (blocks === null) return invalid(`messages.${i}.content: Input should be a valid string or list of content blocks`);
    const last = i === messages.length - 1;
    if (blocks.length === 0 && !(last && message.role === 'assistant')) return invalid(`messages.${i}: all messages must have non-empty content except for the optional final assistant message`);
    for (const [j, block] of blocks.entries()) {
      const refusal = checkBlock(block, message.role as string, `messages.${i}.content.${j}`, signer);
      if (refusal !== null) return refusal;
    }
    parsed.push({ role: message.role as string, blocks });
  }
  return checkToolPairs(parsed) ?? (thinking ? checkThinkingTurn(parsed) : null);
}

function checkBlock(block: Json, role: string, at: string, signer: Signer): Refusal | null {
  const allowed = role === 'user' ? USER_BLOCKS : ASSISTANT_BLOCKS;
  if (!allowed.has(block.type as string)) return invalid(`${at}.type: Input tag '${String(block.type)}' found using 'type' does not match any of the expected tags for a ${role} message`);
  switch (block.type) {
    case 'text':
      if (typeof block.text !== 'string' || block.text === '') return invalid('messages: text content blocks must be non-empty');
      return null;
    case 'image': {
      const source = block.source as Json | undefined;
      if (source?.type === 'base64' && IMAGE_TYPES.has(source.media_type as string) && typeof source.data === 'string') return null;
      if (source?.type === 'url' && typeof source.url === 'string') return null;
      return invalid(`${at}.source: Input tag does not match any of the expected tags: 'base64', 'url', 'file'`);
    }
    case 'tool_use':
      if (typeof block.id !== 'string' || typeof block.name !== 'string' || typeof block.input !== 'object' || block.input === null || Array.isArray(block.input)) return invalid(`${at}.tool_use.input: Input should be a valid dictionary`);
      return null;
    case 'thinking':
      if (!signer.verify('thinking', String(block.thinking), block.signature)) return invalid(`${at}: Invalid \`signature\` in \`thinking\` block`);
      return null;
    case 'redacted_thinking':
      if (!signer.verify('redacted', '', block.data)) return invalid(`${at}: Invalid \`data\` in \`redacted_thinking\` block`);
      return null;
    case 'tool_result':
      if (typeof block.tool_use_id !== 'string') return invalid(`${at}.tool_result.tool_use_id: Field required`);
      return null;
  }
  return null;
}

/** Every tool_use is answered by a tool_result in the next message, and every tool_result answers one. */
function checkToolPairs(messages: { role: string; blocks: Json[] }[]): Refusal | null {
  for (const [i, message] of messages.entries()) {
    const results = message.blocks.filter((b) => b.type === 'tool_result').map((b) => b.tool_use_id as string);
    const previous = messages[i - 1];
    const offered = previous?.role === 'assistant' ? previous.blocks.filter((b) => b.type === 'tool_use').map((b) => b.id as string) : [];
    const stray = results.filter((id) => !offered.includes(id));
    if (message.role === 'user' && stray.length > 0) return invalid(`messages.${i}.content.0: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${stray.join(', ')}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`);
    if (message.role === 'assistant') {
      const calls = message.blocks.filter((b) => b.type === 'tool_use').map((b) => b.id as string);
      const next = messages[i + 1];
      if (calls.length === 0 || next === undefined) continue;
      const answered = next.blocks.filter((b) => b.type === 'tool_result').map((b) => b.tool_use_id);
      const missing = calls.filter((id) => !answered.includes(id));
      if (missing.length > 0) return invalid(`messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`);
    }
  }
  return null;
}

/**
 * With thinking on, the assistant turn whose tool calls the last user
 * message answers must begin with its thinking, as it was produced.
 */
function checkThinkingTurn(messages: { role: string; blocks: Json[] }[]): Refusal | null {
  const last = messages.at(-1);
  const turn = messages.at(-2);
  if (last?.role !== 'user' || turn?.role !== 'assistant' || !last.blocks.some((b) => b.type === 'tool_result')) return null;
  const first = turn.blocks[0]?.type;
  if (first === 'thinking' || first === 'redacted_thinking') return null;
  return invalid(
    `messages.${messages.length - 2}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${String(first)}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block (preceeding the lastmost set of \`tool_use\` and \`tool_result\` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable \`thinking\`.`,
  );
}
