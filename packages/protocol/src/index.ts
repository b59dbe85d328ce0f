export type * from './openai.ts';
export * from './errors.ts';
export * from './headers.ts';
export * from './sse.ts';
export type * from './ws.ts';
export { WsCloseCodes } from './ws.ts';
export * from './pricing.ts';
