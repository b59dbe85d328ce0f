/** `--port N` or `--port=N` (or another flag's name) from a server process's argv; 0 (any free port) when absent. */
export function portArgument(argv: readonly string[], flag = '--port'): number {
  const raw = stringArgument(argv, flag);
  if (raw === undefined) return 0;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`${flag} must be an integer 0..65535, got ${JSON.stringify(raw)}`);
  return port;
}

/** `--flag value` or `--flag=value`; undefined when absent. */
export function stringArgument(argv: readonly string[], flag: string): string | undefined {
  let raw: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === flag) raw = argv[i + 1];
    else if (argv[i].startsWith(`${flag}=`)) raw = argv[i].slice(flag.length + 1);
  }
  return raw;
}
