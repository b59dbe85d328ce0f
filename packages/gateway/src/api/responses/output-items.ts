import type { ReasoningBlock } from '../../events/reasoning.ts';
import { sealReasoning } from './reasoning-item.ts';

/** Writes one event: its JSON body without the closing brace, where the encoder adds the sequence number. */
export interface ItemEvents {
  event(bodyWithoutEnd: string): void;
}

type Open =
  | { kind: 'message'; id: string; index: number; text: string; delta: string }
  | { kind: 'reasoning'; id: string; index: number; text: string; signature: string | undefined; delta: string | undefined }
  | { kind: 'function_call'; id: string; index: number; call: number; callId: string; name: string; args: string; delta: string };

type ItemStatus = 'completed' | 'incomplete';

/**
 * The output items of one response, in order: at most one open (streaming)
 * at a time, each announced (`output_item.added`), streamed, and finished
 * with its `.done` events and `output_item.done`. Keeps every finished item
 * twice: as the client sees it (`wire`) and with reasoning sealed whatever
 * the client asked (`full`), for the stored conversation.
 */
export class OutputItems {
  readonly wire: object[] = [];
  readonly full: object[] = [];
  readonly #idSuffix: string;
  readonly #includeEncrypted: boolean;
  #open: Open | null = null;

  constructor(idSuffix: string, includeEncrypted: boolean) {
    this.#idSuffix = idSuffix;
    this.#includeEncrypted = includeEncrypted;
  }

  text(delta: string, out: ItemEvents): void {
    let open = this.#open;
    if (open?.kind !== 'message') {
      const { id, index } = this.#add('msg', (id) => ({ id, type: 'message', status: 'in_progress', content: [], role: 'assistant' }), out);
      open = this.#open = { kind: 'message', id, index, text: '', delta: `{"type":"response.output_text.delta","item_id":"${id}","output_index":${index},"content_index":0,"delta":` };
      out.event(`{"type":"response.content_part.added","item_id":"${id}","output_index":${index},"content_index":0,"part":${JSON.stringify(textPart(''))}`);
    }
    open.text += delta;
    out.event(`${open.delta}${JSON.stringify(delta)},"logprobs":[]`);
  }

  reasoning(delta: string, out: ItemEvents): void {
    const open = this.#openReasoning(out);
    if (open.delta === undefined) {
      open.delta = `{"type":"response.reasoning_summary_text.delta","item_id":"${open.id}","output_index":${open.index},"summary_index":0,"delta":`;
      out.event(`{"type":"response.reasoning_summary_part.added","item_id":"${open.id}","output_index":${open.index},"summary_index":0,"part":{"type":"summary_text","text":""}`);
    }
    open.text += delta;
    out.event(`${open.delta}${JSON.stringify(delta)}`);
  }

  /** A signature closes its reasoning block: the next reasoning delta starts another item. */
  signature(signature: string, out: ItemEvents): void {
    const open = this.#openReasoning(out);
    open.signature = signature;
  }

  redacted(data: string, out: ItemEvents): void {
    const { id, index } = this.#add('rs', (id) => ({ id, type: 'reasoning', summary: [] }), out);
    this.#finished(index, { id, type: 'reasoning', summary: [] }, { type: 'redacted', data }, out);
  }

  functionCall(call: number, callId: string, name: string, args: string, out: ItemEvents): void {
    let open = this.#open;
    if (open?.kind !== 'function_call' || open.call !== call) {
      const { id, index } = this.#add('fc', (id) => ({ id, type: 'function_call', status: 'in_progress', arguments: '', call_id: callId, name }), out);
      open = this.#open = { kind: 'function_call', id, index, call, callId, name, args: '', delta: `{"type":"response.function_call_arguments.delta","item_id":"${id}","output_index":${index},"delta":` };
    }
    if (args === '') return;
    open.args += args;
    out.event(`${open.delta}${JSON.stringify(args)}`);
  }

  /** Finish the open item, if any. */
  close(status: ItemStatus, out: ItemEvents): void {
    const open = this.#open;
    if (open === null) return;
    this.#open = null;
    const at = `"item_id":"${open.id}","output_index":${open.index}`;
    switch (open.kind) {
      case 'message': {
        const part = textPart(open.text);
        out.event(`{"type":"response.output_text.done",${at},"content_index":0,"text":${JSON.stringify(open.text)},"logprobs":[]`);
        out.event(`{"type":"response.content_part.done",${at},"content_index":0,"part":${JSON.stringify(part)}`);
        return this.#finished(open.index, { id: open.id, type: 'message', status, content: [part], role: 'assistant' }, undefined, out);
      }
      case 'reasoning': {
        const summary = open.delta === undefined ? [] : [{ type: 'summary_text', text: open.text }];
        if (open.delta !== undefined) {
          out.event(`{"type":"response.reasoning_summary_text.done",${at},"summary_index":0,"text":${JSON.stringify(open.text)}`);
          out.event(`{"type":"response.reasoning_summary_part.done",${at},"summary_index":0,"part":${JSON.stringify(summary[0])}`);
        }
        const sealed: ReasoningBlock | undefined = open.signature === undefined ? undefined : { type: 'thinking', text: open.text, signature: open.signature };
        return this.#finished(open.index, { id: open.id, type: 'reasoning', summary }, sealed, out);
      }
      case 'function_call':
        out.event(`{"type":"response.function_call_arguments.done",${at},"arguments":${JSON.stringify(open.args)},"name":${JSON.stringify(open.name)}`);
        return this.#finished(open.index, { id: open.id, type: 'function_call', status, arguments: open.args, call_id: open.callId, name: open.name }, undefined, out);
    }
  }

  /** The open reasoning item, or a new one when none is open or the open one is signed. */
  #openReasoning(out: ItemEvents): Extract<Open, { kind: 'reasoning' }> {
    const open = this.#open;
    if (open?.kind === 'reasoning' && open.signature === undefined) return open;
    const { id, index } = this.#add('rs', (id) => ({ id, type: 'reasoning', summary: [] }), out);
    const reasoning: Extract<Open, { kind: 'reasoning' }> = { kind: 'reasoning', id, index, text: '', signature: undefined, delta: undefined };
    this.#open = reasoning;
    return reasoning;
  }

  /** Close the open item and announce the next; it holds its place in the output until it is done. */
  #add(prefix: string, item: (id: string) => object, out: ItemEvents): { id: string; index: number } {
    this.close('completed', out);
    const index = this.wire.length;
    const id = `${prefix}_${this.#idSuffix}_${index}`;
    const added = item(id);
    this.wire.push(added);
    this.full.push(added);
    out.event(`{"type":"response.output_item.added","output_index":${index},"item":${JSON.stringify(added)}`);
    return { id, index };
  }

  #finished(index: number, item: object, sealed: ReasoningBlock | undefined, out: ItemEvents): void {
    const full = sealed === undefined ? item : { ...item, encrypted_content: sealReasoning(sealed) };
    const wire = this.#includeEncrypted ? full : item;
    this.wire[index] = wire;
    this.full[index] = full;
    out.event(`{"type":"response.output_item.done","output_index":${index},"item":${JSON.stringify(wire)}`);
  }
}

function textPart(text: string): object {
  return { type: 'output_text', annotations: [], logprobs: [], text };
}
