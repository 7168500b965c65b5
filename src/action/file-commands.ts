/**
 * The GitHub Actions runner's documented protocol, as pure formatters: workflow
 * commands on stdout (`::add-mask::`, `::error::`, `::warning::`) and the
 * heredoc entries of the environment and output files ($GITHUB_ENV,
 * $GITHUB_OUTPUT). Nothing here writes anything.
 */

/** Escapes a workflow command's value as the runner reads it back (`%`, CR, LF). */
export function escapeCommandValue(value: string): string {
  return value.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/** `::add-mask::VALUE`: the runner replaces VALUE by `***` in every later log line. */
export function maskCommand(value: string): string {
  return `::add-mask::${escapeCommandValue(value)}\n`;
}

/** `::error::MESSAGE` (annotates the step; the step still needs a non-zero exit to fail). */
export function errorCommand(message: string): string {
  return `::error::${escapeCommandValue(message)}\n`;
}

/** `::warning::MESSAGE`. */
export function warningCommand(message: string): string {
  return `::warning::${escapeCommandValue(message)}\n`;
}

/**
 * One `NAME<<DELIMITER` … `DELIMITER` entry of $GITHUB_ENV or $GITHUB_OUTPUT.
 * The delimiter must be unguessable (a random one per entry) and appear in
 * neither the name nor the value, or a value could end the entry early and
 * set other variables.
 * @throws Error when the name is not a plain identifier or the delimiter occurs in name or value.
 */
export function fileCommandEntry(name: string, value: string, delimiter: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) throw new Error(`not a valid variable or output name: ${JSON.stringify(name)}`);
  if (value.includes(delimiter) || name.includes(delimiter)) throw new Error(`the value of ${name} contains the delimiter`);
  return `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
}
