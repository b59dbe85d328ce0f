/** `--port N` or `--port=N` from a server process's argv; 0 (any free port) when absent. */
export function portArgument(argv: readonly string[]): number {
  let raw: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--port') raw = argv[i + 1];
    else if (argv[i].startsWith('--port=')) raw = argv[i].slice('--port='.length);
  }
  if (raw === undefined) return 0;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`--port must be an integer 0..65535, got ${JSON.stringify(raw)}`);
  return port;
}
