/**
 * Some providers sign a tool call and need the signature back with it on
 * the next turn (see `tool_call.signature`). Chat completions, Anthropic
 * Messages and Responses have no field for it, but every client sends a
 * tool call's id back unchanged, in the call and in its result. So the id a
 * client sees carries the signature, base64url after a marker, and the id
 * read back is split into the provider's id and its signature again.
 */
const MARKER = '__sig_';

/** The id a client sees for a call with this provider id and signature. */
export function clientToolCallId(id: string, signature: string | undefined): string {
  if (signature === undefined || signature === '') return id;
  return `${id}${MARKER}${Buffer.from(signature, 'utf8').toString('base64url')}`;
}

/** A client's tool call id, split into the provider's id and the signature it carried, if any. */
export function providerToolCallId(clientId: string): { id: string; signature?: string } {
  const at = clientId.indexOf(MARKER);
  if (at <= 0) return { id: clientId };
  const encoded = clientId.slice(at + MARKER.length);
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return { id: clientId };
  return { id: clientId.slice(0, at), signature: Buffer.from(encoded, 'base64url').toString('utf8') };
}
