import type { Signer } from '../signer.ts';

/** A refusal in Google's error shape: HTTP status, canonical status and message. */
export interface Refusal {
  status: number;
  googleStatus: string;
  message: string;
}

type Json = Record<string, unknown>;

const TOP_LEVEL = ['contents', 'systemInstruction', 'tools', 'toolConfig', 'generationConfig', 'safetySettings', 'cachedContent', 'labels'];
const CONTENT = ['role', 'parts'];
const PART = ['text', 'thought', 'thoughtSignature', 'inlineData', 'fileData', 'functionCall', 'functionResponse', 'executableCode', 'codeExecutionResult', 'videoMetadata', 'partMetadata', 'mediaResolution'];
const PART_DATA = ['text', 'inlineData', 'fileData', 'functionCall', 'functionResponse', 'executableCode', 'codeExecutionResult'];
const GENERATION = ['maxOutputTokens', 'temperature', 'topP', 'topK', 'stopSequences', 'candidateCount', 'seed', 'presencePenalty', 'frequencyPenalty', 'responseMimeType', 'responseSchema', 'responseJsonSchema', 'thinkingConfig', 'responseLogprobs', 'logprobs', 'responseModalities', 'mediaResolution'];
const THINKING = ['thinkingBudget', 'includeThoughts', 'thinkingLevel'];
const SCHEMA = ['type', 'format', 'title', 'description', 'nullable', 'enum', 'maxItems', 'minItems', 'properties', 'required', 'minProperties', 'maxProperties', 'minLength', 'maxLength', 'pattern', 'example', 'anyOf', 'propertyOrdering', 'default', 'items', 'minimum', 'maximum'];
const TYPES = ['STRING', 'NUMBER', 'INTEGER', 'BOOLEAN', 'ARRAY', 'OBJECT', 'NULL'];

const invalid = (message: string): Refusal => ({ status: 400, googleStatus: 'INVALID_ARGUMENT', message });

/** `Invalid JSON payload received. Unknown name "x" at 'path': Cannot find field.`, as Google's API front end says it. */
function unknownFields(value: Json, allowed: readonly string[], at: string): Refusal | null {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) return invalid(`Invalid JSON payload received. Unknown name "${key}"${at === '' ? '' : ` at '${at}'`}: Cannot find field.`);
  }
  return null;
}

/**
 * What the Gemini API refuses, from its reference and its documented
 * errors, or null for a request it accepts.
 */
export function validateGenerateContent(body: Json, signer: Signer): Refusal | null {
  return (
    unknownFields(body, TOP_LEVEL, '') ??
    checkContents(body.contents) ??
    (body.systemInstruction === undefined ? null : checkParts((body.systemInstruction as Json).parts, 'system_instruction')) ??
    checkTools(body) ??
    checkGeneration(body.generationConfig as Json | undefined) ??
    checkFunctionTurns(body.contents as Json[]) ??
    checkSignatures(body.contents as Json[], signer)
  );
}

function checkContents(contents: unknown): Refusal | null {
  if (!Array.isArray(contents) || contents.length === 0) return invalid('* GenerateContentRequest.contents: contents is not specified');
  for (const [i, content] of (contents as Json[]).entries()) {
    const refusal = unknownFields(content, CONTENT, `contents[${i}]`);
    if (refusal !== null) return refusal;
    if (content.role !== undefined && content.role !== 'user' && content.role !== 'model') return invalid('Please use a valid role: user, model.');
    const parts = checkParts(content.parts, `contents[${i}]`);
    if (parts !== null) return parts;
  }
  return null;
}

function checkParts(parts: unknown, at: string): Refusal | null {
  if (!Array.isArray(parts) || parts.length === 0) return invalid(`* GenerateContentRequest.${at}.parts: contents.parts must not be empty.`);
  for (const [j, part] of (parts as Json[]).entries()) {
    const refusal = unknownFields(part, PART, `${at}.parts[${j}]`);
    if (refusal !== null) return refusal;
    const data = PART_DATA.filter((key) => part[key] !== undefined);
    if (data.length !== 1) return invalid(`* GenerateContentRequest.${at}.parts[${j}].data: required oneof field 'data' must have one initialized field`);
  }
  return null;
}

function checkTools(body: Json): Refusal | null {
  for (const [i, tool] of ((body.tools as Json[] | undefined) ?? []).entries()) {
    for (const [j, declaration] of ((tool.functionDeclarations as Json[] | undefined) ?? []).entries()) {
      const at = `tools[${i}].function_declarations[${j}]`;
      if (typeof declaration.name !== 'string' || !/^[a-zA-Z_][a-zA-Z0-9_.:-]{0,127}$/.test(declaration.name)) return invalid(`* GenerateContentRequest.${at}.name: Invalid function name.`);
      if (declaration.parameters !== undefined) {
        const refusal = checkSchema(declaration.parameters as Json, `${at}.parameters`);
        if (refusal !== null) return refusal;
      }
    }
  }
  const config = (body.toolConfig as Json | undefined)?.functionCallingConfig as Json | undefined;
  if (config !== undefined) {
    if (!['AUTO', 'ANY', 'NONE', 'VALIDATED'].includes(config.mode as string)) return invalid(`Invalid value at 'tool_config.function_calling_config.mode' (type.googleapis.com/google.ai.generativelanguage.v1beta.FunctionCallingConfig.Mode), "${String(config.mode)}"`);
    if (config.allowedFunctionNames !== undefined && config.mode !== 'ANY' && config.mode !== 'VALIDATED') return invalid('* GenerateContentRequest.tool_config.function_calling_config.allowed_function_names: allowed_function_names should only be set when the mode is ANY or VALIDATED.');
  }
  return null;
}

function checkSchema(schema: Json, at: string): Refusal | null {
  const unknown = unknownFields(schema, SCHEMA, at);
  if (unknown !== null) return unknown;
  if (schema.type !== undefined && !TYPES.includes(String(schema.type).toUpperCase())) return invalid(`Invalid value at '${at}.type' (type.googleapis.com/google.ai.generativelanguage.v1beta.Type), "${String(schema.type)}"`);
  if (schema.enum !== undefined && !(Array.isArray(schema.enum) && schema.enum.every((v) => typeof v === 'string'))) return invalid(`Invalid value at '${at}.enum': only strings`);
  if (String(schema.type).toUpperCase() === 'OBJECT' && at.endsWith('.parameters') && Object.keys((schema.properties as Json | undefined) ?? {}).length === 0) {
    return invalid(`* GenerateContentRequest.${at}.properties: should be non-empty for OBJECT type`);
  }
  for (const [name, sub] of Object.entries((schema.properties as Json | undefined) ?? {})) {
    const refusal = checkSchema(sub as Json, `${at}.properties[${name}].value`);
    if (refusal !== null) return refusal;
  }
  if (schema.items !== undefined) return checkSchema(schema.items as Json, `${at}.items`);
  for (const [k, sub] of ((schema.anyOf as Json[] | undefined) ?? []).entries()) {
    const refusal = checkSchema(sub, `${at}.any_of[${k}]`);
    if (refusal !== null) return refusal;
  }
  return null;
}

function checkGeneration(config: Json | undefined): Refusal | null {
  if (config === undefined) return null;
  const unknown = unknownFields(config, GENERATION, 'generation_config') ?? (config.thinkingConfig === undefined ? null : unknownFields(config.thinkingConfig as Json, THINKING, 'generation_config.thinking_config'));
  if (unknown !== null) return unknown;
  if (config.maxOutputTokens !== undefined && !(Number.isInteger(config.maxOutputTokens) && (config.maxOutputTokens as number) > 0)) return invalid('* GenerateContentRequest.generation_config.max_output_tokens: must be positive');
  if (config.temperature !== undefined && !((config.temperature as number) >= 0 && (config.temperature as number) <= 2)) return invalid('* GenerateContentRequest.generation_config.temperature: must be in [0, 2]');
  if (Array.isArray(config.stopSequences) && config.stopSequences.length > 5) return invalid('* GenerateContentRequest.generation_config.stop_sequences: at most 5 stop sequences');
  if (config.responseSchema !== undefined) return checkSchema(config.responseSchema as Json, 'generation_config.response_schema');
  return null;
}

const callsOf = (content: Json) => (content.parts as Json[]).filter((p) => p.functionCall !== undefined);
const responsesOf = (content: Json) => (content.parts as Json[]).filter((p) => p.functionResponse !== undefined);

/** Function calls follow a user turn or function responses; each call turn is answered by as many responses. */
function checkFunctionTurns(contents: Json[]): Refusal | null {
  for (const [i, content] of contents.entries()) {
    if (content.role === 'model' && callsOf(content).length > 0 && i > 0 && contents[i - 1].role === 'model') {
      return invalid('Please ensure that function call turn comes immediately after a user turn or after a function response turn.');
    }
    const responses = responsesOf(content).length;
    if (responses === 0) continue;
    const previous = contents[i - 1];
    if (previous === undefined || previous.role !== 'model' || callsOf(previous).length !== responses) {
      return invalid('Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.');
    }
  }
  return null;
}

/**
 * Gemini's thought-signature rule: in the current turn (after the last
 * user content with more than function responses), the first function call
 * of each step must carry the signature it came with. Any signature sent
 * must be one the model produced, for that very part.
 */
function checkSignatures(contents: Json[], signer: Signer): Refusal | null {
  for (const content of contents) {
    for (const part of content.parts as Json[]) {
      if (part.thoughtSignature === undefined) continue;
      const call = part.functionCall as Json | undefined;
      const valid = call === undefined ? signer.verify('part', '', part.thoughtSignature) : signer.verify('call', callContent(call), part.thoughtSignature);
      if (!valid) return invalid('Corrupted thought signature.');
    }
  }
  const start = contents.findLastIndex((c) => c.role !== 'model' && (c.parts as Json[]).some((p) => p.functionResponse === undefined));
  for (let i = start + 1; i < contents.length; i++) {
    const calls = callsOf(contents[i]);
    if (contents[i].role !== 'model' || calls.length === 0 || calls[0].thoughtSignature !== undefined) continue;
    const position = (contents[i].parts as Json[]).indexOf(calls[0]);
    return invalid(
      `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${String((calls[0].functionCall as Json).name)}\` , position ${position + 1}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`,
    );
  }
  return null;
}

/** What a function call's signature is bound to. */
export function callContent(call: Json): string {
  return `${String(call.name)}\u0000${JSON.stringify(call.args ?? {})}`;
}
