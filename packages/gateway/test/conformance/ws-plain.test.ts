import { describeConformance } from './suite.ts';
import { wsPlainDriver } from './ws-plain-driver.ts';

describeConformance(wsPlainDriver);
