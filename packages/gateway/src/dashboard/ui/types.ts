/** The admin API's answers, as the pages use them. */
export interface LiveStream {
  id: string;
  key: string;
  model: string;
  deployment: string | null;
  api: string;
  transport: string;
  state: 'connecting' | 'streaming' | 'lingering';
  chunks: number;
  ttftMs: number | null;
  ageMs: number;
  readers: number;
  resumes: number;
  attempts: number;
  resumable: boolean;
}

export interface Totals {
  requests: number;
  errors: number;
  cancelled: number;
  promptTokens: number;
  completionTokens: number;
  cost: number;
}

export interface Snapshot {
  at: number;
  replica: string;
  accepting: boolean;
  streams: LiveStream[];
  totals: Totals;
}

export interface LedgerRow {
  at: number;
  streamId: string;
  endpoint: string;
  key: string;
  model: string;
  target: string | null;
  status: string;
  promptTokens: number;
  completionTokens: number;
  estimated: boolean;
  cost: number;
  ttftMs: number | null;
  durationMs: number;
  route: string | null;
  cached: boolean;
  retries: number;
  errorCode: string | null;
  errorMessage: string | null;
}

export interface Traffic {
  range: string;
  from: number;
  to: number;
  bucketMs: number;
  byModel: { t: number; model: string; requests: number; promptTokens: number; completionTokens: number; errors: number; cost: number }[];
  ttft: { t: number; deployment: string; counts: number[] }[];
  ttftBoundsMs: number[];
  errors: { t: number; code: string; count: number }[];
  costByKey: { t: number; key: string; cost: number }[];
}

export interface Spend {
  keys: {
    name: string;
    team: string | null;
    requests: number;
    cost: { day: number; month: number; total: number };
    budget: { usd: number; period: string; spent: number; remaining: number; resetsAt: number | null } | null;
    rpm: number | null;
    tpm: number | null;
    concurrency: number | null;
  }[];
  teams: { name: string; cost: { day: number; month: number; total: number }; keys: number }[];
  models: { model: string; requests: number; costMonth: number; costTotal: number }[];
}

export interface Probe {
  configured: boolean;
  ok: boolean;
  latencyMs: number | null;
  error: string | null;
}

export interface Health {
  at: number;
  accepting: boolean;
  running: number;
  providers: { id: string; type: string; baseURL: string | null }[];
  aliases: { name: string; target: string; fallbacks: string[] }[];
  deployments: { deployment: string; requests: number; errors: number; errorRate: number; ttftMs: number | null; durationMs: number | null; lastError: string | null; lastSeenAt: number }[];
  redis: Probe;
  database: Probe & { kind: string };
}
