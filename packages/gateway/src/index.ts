export { startGateway, type RunningGateway, type StartGatewayOptions } from './server/gateway.ts';
export { startSimServer, type SimServer } from './providers/sim/server.ts';
export { simText, simTokens } from './providers/sim/generator.ts';
export { seededRandom } from './providers/sim/random.ts';
export { resolveConfig, loadConfigFile, ConfigError } from './config/load.ts';
export type { SluiceConfig, SluiceConfigInput } from './config/schema.ts';
