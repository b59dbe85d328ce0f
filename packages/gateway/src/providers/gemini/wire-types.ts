/**
 * The parts of the Gemini API that sluice sends and reads, from its API
 * reference (ai.google.dev/api/generate-content and /api/caching#Content).
 */

export interface Part {
  text?: string;
  thought?: boolean;
  thoughtSignature?: string;
  inlineData?: { mimeType: string; data: string };
  functionCall?: { name?: string; args?: Record<string, unknown>; id?: string };
  functionResponse?: { name: string; response: Record<string, unknown> };
  [other: string]: unknown;
}

export interface Content {
  role?: 'user' | 'model';
  parts: Part[];
}

/** The subset of OpenAPI 3.0 schema that Gemini's `Schema` object holds. */
export interface GeminiSchema {
  type?: string;
  [keyword: string]: unknown;
}

export interface FunctionDeclaration {
  name: string;
  description?: string;
  parameters?: GeminiSchema;
}

export interface GenerationConfig {
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  stopSequences?: string[];
  candidateCount?: number;
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  responseMimeType?: string;
  responseSchema?: GeminiSchema;
  thinkingConfig?: { thinkingBudget?: number; includeThoughts?: boolean };
}

export interface GenerateContentRequest {
  contents: Content[];
  systemInstruction?: Content;
  tools?: { functionDeclarations: FunctionDeclaration[] }[];
  toolConfig?: { functionCallingConfig: { mode: 'AUTO' | 'ANY' | 'NONE'; allowedFunctionNames?: string[] } };
  generationConfig?: GenerationConfig;
  [extra: string]: unknown;
}

export interface UsageMetadata {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  thoughtsTokenCount?: number;
  toolUsePromptTokenCount?: number;
  cachedContentTokenCount?: number;
  totalTokenCount?: number;
}

/** One `data:` of streamGenerateContent, or the whole answer of generateContent. */
export interface GenerateContentResponse {
  candidates?: { content?: { parts?: Part[]; role?: string }; finishReason?: string; index?: number }[];
  promptFeedback?: { blockReason?: string; blockReasonMessage?: string };
  usageMetadata?: UsageMetadata;
  error?: WireError;
}

/** Google's error shape: `{"error": {"code", "message", "status", "details"}}`. */
export interface WireError {
  code?: number;
  message?: string;
  status?: string;
  details?: { '@type'?: string; retryDelay?: string }[];
}
