/** Request ids unique across the whole run, readable in upstream logs. */
let counter = 0;

export function nextId(phase: string, target: string): string {
  counter++;
  return `${phase}.${target}.${process.pid}.${counter}`;
}
