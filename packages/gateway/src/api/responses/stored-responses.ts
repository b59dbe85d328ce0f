import type { ChatMessage } from '@sluice/protocol';
import type { Caller } from '../../auth/key-ring.ts';
import { GatewayError, InvalidRequestError } from '../../errors/index.ts';
import type { StreamLogStore } from '../../streams/store/types.ts';
import type { ResponseObject } from './response-object.ts';

/**
 * A `store: true` response, kept in the stream log store for the retention
 * time (so any replica finds it): the response as the API returns it, the
 * key that made it (only that key reads or continues it), and the
 * conversation so far as internal messages, reasoning blocks and signatures
 * included, which `previous_response_id` continues.
 */
export interface StoredResponse {
  owner: string;
  response: ResponseObject;
  conversation: ChatMessage[];
}

export class ResponseNotFoundError extends GatewayError {
  constructor(id: string, param: string | null = null) {
    super(404, 'response_not_found', 'invalid_request_error', `Response with id '${id.slice(0, 80)}' not found.`, false, { param });
  }
}

/** Stored responses share the store's kept values with others: their keys say whose they are. */
function recordKey(responseId: string): string {
  return `response:${responseId}`;
}

export function saveResponse(store: StreamLogStore, stored: StoredResponse): void {
  store.remember(recordKey(stored.response.id), JSON.stringify(stored));
}

/** A stored response the caller may read; every refusal is the same 404, so ids leak nothing. */
export async function loadResponse(store: StreamLogStore, caller: Caller, id: string, param: string | null = null): Promise<StoredResponse> {
  const [json] = /^resp_[A-Za-z0-9_-]{16,64}$/.test(id) ? await store.recall([recordKey(id)]) : [null];
  const stored = json === null ? null : (JSON.parse(json) as StoredResponse);
  if (stored === null || stored.owner !== caller.id) throw new ResponseNotFoundError(id, param);
  return stored;
}

/** The conversation `previous_response_id` continues: the stored one, once that response has ended. */
export async function previousConversation(store: StreamLogStore, caller: Caller, id: string): Promise<ChatMessage[]> {
  const stored = await loadResponse(store, caller, id, 'previous_response_id');
  if (stored.response.status === 'in_progress') throw new InvalidRequestError(`previous_response_id: response ${id} is still in progress; continue it once it has ended.`, 'previous_response_id');
  return stored.conversation;
}

export async function deleteResponse(store: StreamLogStore, caller: Caller, id: string): Promise<void> {
  await loadResponse(store, caller, id);
  await store.forget(recordKey(id));
}
