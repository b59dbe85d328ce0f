import { describeConformance } from './suite.ts';
import { sseHttp1Driver } from './sse-http1-driver.ts';

describeConformance(sseHttp1Driver);
