/**
 * Run `work` once the request admitted in this turn is on its way
 * upstream, while the upstream works on it. Two check phases: undici
 * writes a request on a reused keep-alive socket from a check-phase
 * callback of its own (it first lets the socket report a close the server
 * sent), queued behind the first hop, so the second comes after that write.
 */
export function afterDispatch(work: () => void): void {
  setImmediate(() => setImmediate(work));
}
