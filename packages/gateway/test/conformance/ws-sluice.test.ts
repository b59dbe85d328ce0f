import { describeConformance } from './suite.ts';
import { wsMultiplexDriver } from './ws-multiplex-driver.ts';

describeConformance(wsMultiplexDriver);
