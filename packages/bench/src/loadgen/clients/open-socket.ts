/** Opens a `ws` client socket and resolves once it is open (or rejects with why not). */
import WebSocket from 'ws';

export function openSocket(url: string, protocols: string[], headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, protocols, { headers, perMessageDeflate: false, handshakeTimeout: 30_000 });
    const fail = (error: Error): void => {
      socket.removeAllListeners();
      socket.on('error', () => {});
      socket.terminate();
      reject(error);
    };
    socket.once('open', () => {
      socket.off('error', fail);
      socket.on('error', () => {});
      resolve(socket);
    });
    socket.once('error', fail);
    socket.once('unexpected-response', (_request, response) => fail(new Error(`WebSocket upgrade answered HTTP ${response.statusCode}`)));
  });
}
