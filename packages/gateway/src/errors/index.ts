export * from './gateway-error.ts';
export * from './key-errors.ts';
export * from './limit-errors.ts';
export { toGatewayError } from './to-wire.ts';
