import type { ChatCompletionRequest } from '@sluice/protocol';

/**
 * The most tokens `countPromptTokens` can count in `request`, without the
 * tokenizer: a byte-level BPE token covers at least one UTF-8 byte, so a
 * text has no more tokens than bytes. It bounds what countPromptTokens
 * counts: each message's text and the newline after it, and three tokens
 * of framing a message.
 */
export function promptTokenBound(request: ChatCompletionRequest): number {
  let bytes = 0;
  for (const message of request.messages) {
    if (typeof message.content === 'string') bytes += Buffer.byteLength(message.content) + 1;
    else if (Array.isArray(message.content)) for (const part of message.content) if (typeof part.text === 'string') bytes += Buffer.byteLength(part.text) + 1;
  }
  return bytes + 3 * request.messages.length;
}
