/**
 * What the CLI prints in place of an API key. Not ASCII, so it can never spell a key (keys are
 * printable ASCII), alone or together with the characters around it.
 */
export const HIDDEN = "••••••";

/**
 * Removes every occurrence of each secret from text, as written and as it reads inside a JSON
 * string (quotes and backslashes escaped), whatever the secret's length: a server may echo our
 * Authorization header anywhere, and the CLI prints what it says.
 */
export function redactor(secrets: readonly (string | undefined)[]): (text: string) => string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (!secret) continue;
    forms.add(secret);
    forms.add(JSON.stringify(secret).slice(1, -1));
  }
  // Longest first, so an escaped form is hidden whole rather than around its unescaped part.
  const ordered = [...forms].sort((a, b) => b.length - a.length);
  return (text) => ordered.reduce((result, form) => result.replaceAll(form, HIDDEN), text);
}

/**
 * The API keys this run may use: `--api-key` (every value given, as `--api-key K` or
 * `--api-key=K`) and SOTAOCR_API_KEY. Read from argv itself, so they are known before the
 * arguments are parsed, and a parse error that repeats an argument is covered too.
 */
export function secretsOf(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): string[] {
  const secrets = [env.SOTAOCR_API_KEY];
  argv.forEach((arg, index) => {
    if (arg === "--api-key") secrets.push(argv[index + 1]);
    else if (arg.startsWith("--api-key=")) secrets.push(arg.slice("--api-key=".length));
  });
  return secrets.filter((secret): secret is string => secret !== undefined && secret !== "");
}
