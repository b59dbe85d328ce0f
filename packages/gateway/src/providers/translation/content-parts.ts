import type { ChatContentPart, ChatMessage } from '@sluice/protocol';
import { InvalidRequestError } from '../../errors/index.ts';
import { UntranslatableError } from './untranslatable.ts';

/** A `data:` URL split into its media type and base64 payload. */
export interface InlineData {
  mediaType: string;
  data: string;
}

const DATA_URL = /^data:([\w.+-]+\/[\w.+-]+)(?:;[\w-]+=[^;,]*)*;base64,(.*)$/s;

/** The media type and base64 data of a `data:…;base64,` URL, or null for any other URL. */
export function parseDataUrl(url: string): InlineData | null {
  const match = DATA_URL.exec(url);
  return match === null ? null : { mediaType: match[1].toLowerCase(), data: match[2] };
}

/** The URL of an `image_url` part (`{url}` or, in older clients, a bare string). */
export function imageUrlOf(part: ChatContentPart, field: string): string {
  const image = part.image_url;
  const url = typeof image === 'string' ? image : (image as { url?: unknown } | undefined)?.url;
  if (typeof url !== 'string' || url === '') throw new InvalidRequestError(`${field}.image_url.url: required`, `${field}.image_url.url`);
  return url;
}

/**
 * The text of a message whose content may only be text (system, developer,
 * and what a provider takes as plain text): a string, or text parts joined.
 */
export function textOnly(content: ChatMessage['content'], field: string): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  return content
    .map((part, j) => {
      if ((part.type === 'text' || part.type === 'refusal') && typeof (part.text ?? part.refusal) === 'string') return (part.text ?? part.refusal) as string;
      throw new UntranslatableError(`${field}[${j}].type`, `only text can go here, not "${part.type}"`);
    })
    .join('');
}

/** The content as a list of parts (a string is one text part). */
export function partsOf(content: ChatMessage['content']): ChatContentPart[] {
  if (content == null) return [];
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  return content;
}
