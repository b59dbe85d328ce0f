import { describeConformance } from './suite.ts';
import { sseHttp2Driver } from './sse-http2-driver.ts';

describeConformance(sseHttp2Driver('tls'));
