import WebSocket from 'ws';

/**
 * The seed article's `HolySheepWebSocketClient`, ported as it is written:
 * it connects to `…/v1/chat/stream?model=…` with a Bearer header, sends its
 * chat body on open, prints `choices[0].delta.content` of every frame,
 * reconnects on close with exponential backoff (delay × 2^(attempt − 1), at
 * most `maxReconnectAttempts` times), and queues messages sent while it is
 * not connected.
 *
 * Where the article's code cannot do what its text says, the port does what
 * the text says, and says so:
 * - the queue is sent once the socket opens (the article fills it but never sends it);
 * - a reconnect attempt that fails does not leave an unhandled rejection;
 * - `close()` stops reconnecting;
 * - the usage chunk (`choices: []`) is read without a TypeError.
 * The base URL, the first delay and the output are parameters so a test can observe them.
 */
export class SeedWebSocketClient {
  readonly apiKey: string;
  readonly baseUrl: string;
  ws: WebSocket | null = null;
  messageQueue: object[] = [];
  reconnectAttempts = 0;
  maxReconnectAttempts = 5;
  reconnectDelay: number;
  /** What the article prints: the streamed text, and its log lines. */
  output = '';
  readonly log: string[] = [];
  /** The delay of every reconnect attempt scheduled, in order. */
  readonly scheduledDelays: number[] = [];
  #stopped = false;

  constructor(apiKey: string, baseUrl: string, reconnectDelay = 1000) {
    this.apiKey = apiKey;
    this.baseUrl = baseUrl;
    this.reconnectDelay = reconnectDelay;
  }

  async connect(model = 'deepseek-v3.2', systemPrompt = 'You are a helpful assistant.'): Promise<void> {
    const url = `${this.baseUrl}/v1/chat/stream?model=${model}`;
    return new Promise((resolve, reject) => {
      this.ws = new WebSocket(url, {
        headers: {
          Authorization: `Bearer ${this.apiKey}`,
          'Content-Type': 'application/json',
        },
      });

      this.ws.on('open', () => {
        this.log.push('[WebSocket] Connected to HolySheep AI streaming endpoint');
        this.ws!.send(
          JSON.stringify({
            model: model,
            messages: [
              { role: 'system', content: systemPrompt },
              { role: 'user', content: 'Explain quantum computing in simple terms.' },
            ],
            stream: true,
          }),
        );
        this.reconnectAttempts = 0;
        for (const message of this.messageQueue.splice(0)) this.ws!.send(JSON.stringify(message));
        resolve();
      });

      this.ws.on('message', (data) => {
        try {
          const response = JSON.parse(data.toString()) as { choices?: { delta?: { content?: string } }[]; usage?: unknown; error?: { message: string } };
          if (response.choices && response.choices[0]?.delta) {
            this.output += response.choices[0].delta.content || '';
          }
          if (response.usage) this.log.push(`[Usage] ${JSON.stringify(response.usage)}`);
          if (response.error) this.log.push(`[Error] ${response.error.message}`);
        } catch (e) {
          this.log.push(`[Parse Error] ${(e as Error).message}`);
        }
      });

      this.ws.on('error', (error) => {
        this.log.push(`[WebSocket Error] ${error.message}`);
        reject(error);
      });

      this.ws.on('close', (code, reason) => {
        this.log.push(`[WebSocket] Connection closed: ${code} - ${reason.toString()}`);
        this.handleReconnect();
      });
    });
  }

  handleReconnect(): void {
    if (this.#stopped) return;
    if (this.reconnectAttempts < this.maxReconnectAttempts) {
      this.reconnectAttempts++;
      const delay = this.reconnectDelay * Math.pow(2, this.reconnectAttempts - 1);
      this.scheduledDelays.push(delay);
      this.log.push(`[Reconnect] Attempt ${this.reconnectAttempts}/${this.maxReconnectAttempts} in ${delay}ms`);
      setTimeout(() => this.connect().catch(() => {}), delay);
    } else {
      this.log.push('[Reconnect] Max attempts reached. Giving up.');
    }
  }

  send(message: object): void {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(message));
    } else {
      this.messageQueue.push(message);
    }
  }

  close(): void {
    this.#stopped = true;
    if (this.ws) this.ws.close(1000, 'Client initiated close');
  }
}
