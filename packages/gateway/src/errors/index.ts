export * from './gateway-error.ts';
export { toGatewayError } from './to-wire.ts';
