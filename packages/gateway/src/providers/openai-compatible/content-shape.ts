/**
 * Most chunks of an OpenAI-compatible stream are one content delta, and
 * within one response they differ only in that delta's text: the id,
 * `created` and model before `"choices"`, and whatever follows the text,
 * are the same bytes every time. Parsing each of them as JSON was the
 * largest single cost of a streamed chunk in sluice (a sixth of the
 * gateway's CPU at saturation, more than encoding, logging and framing
 * together), for a string sluice then re-encodes anyway.
 *
 * So one response learns its shape from the first chunk that JSON.parse
 * read as exactly one plain content delta of choice 0: the bytes before the
 * text and the bytes after it. A later chunk made of those same bytes around
 * a text with no quote, backslash or control character (so the text is its
 * own JSON string, and cannot change the structure around it) means exactly
 * what that first chunk meant with this text instead: one content delta of
 * choice 0. Anything else (another shape, an escape, a finish, usage, an
 * error) is parsed in full, as before.
 */
import type { StreamEvent } from '../../events/stream-event.ts';

/** What comes right before the text of a content delta of choice 0, in the usual member order. */
const CONTENT_OPEN = '"choices":[{"index":0,"delta":{"content":"';
/** A JSON string body that needs no unescaping: no quote, no backslash, no control character. */
const PLAIN = /^[^"\\\u0000-\u001f]*$/;

export class ContentShape {
  #prefix: string | undefined;
  #suffix = '';

  /**
   * The content text of a chunk of the learned shape ('' for an empty
   * delta, which makes no event), or undefined when the chunk must be
   * parsed in full.
   */
  match(data: string): string | undefined {
    const prefix = this.#prefix;
    if (prefix === undefined) return undefined;
    const suffix = this.#suffix;
    const end = data.length - suffix.length;
    // `slice(…) ===` compares the flat bytes; startsWith walks them a character at a time, five times slower here.
    if (end < prefix.length || data.slice(0, prefix.length) !== prefix || !data.endsWith(suffix)) return undefined;
    for (let i = prefix.length; i < end; i++) {
      const code = data.charCodeAt(i);
      if (code < 0x20 || code === 0x22 || code === 0x5c) return undefined;
    }
    return data.slice(prefix.length, end);
  }

  /** A chunk parsed in full, and the events it made: learn the shape if it is the plain one. */
  learn(data: string, events: readonly StreamEvent[]): void {
    if (this.#prefix !== undefined || events.length !== 1) return;
    const event = events[0];
    if (event.type !== 'content' || event.choice !== 0 || event.logprobs !== undefined || event.text === '' || !PLAIN.test(event.text)) return;
    const at = data.indexOf(CONTENT_OPEN);
    // Only a flat head (`{"id":…,"model":…,`), so the match is the top-level "choices" and not one nested in an earlier member.
    if (at <= 0 || data[0] !== '{' || /[[{]/.test(data.slice(1, at))) return;
    const start = at + CONTENT_OPEN.length;
    const end = start + event.text.length;
    if (data.slice(start, end) !== event.text || data[end] !== '"') return;
    this.#prefix = data.slice(0, start);
    this.#suffix = data.slice(end);
  }
}
