/**
 * The DNS-rebinding guard's test: a `Host` that names this machine's
 * loopback. A page on `evil.example` whose name was rebound to 127.0.0.1
 * still sends `Host: evil.example`, so a keyless gateway that answers only
 * to loopback names cannot be reached that way (as Jupyter and Ollama do).
 */
export function isLoopbackHost(host: string, boundAddresses: readonly string[]): boolean {
  const name = hostName(host).toLowerCase();
  if (name === 'localhost' || name === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)) return true;
  return boundAddresses.some((address) => name === address.toLowerCase() || name === `[${address.toLowerCase()}]`);
}

/** `name:port`, `[v6]:port` or a bare name, without the port. */
function hostName(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end === -1 ? host : host.slice(0, end + 1);
  }
  const colon = host.indexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}
