import { clientFrom, type GlobalOptions } from "../context.js";
import { EXIT } from "../fail.js";
import type { Printer } from "../printer.js";

/** `sotaocr balance`: the account's remaining pages. */
export async function balance(options: GlobalOptions & { json?: boolean }, printer: Printer): Promise<number> {
  const result = await clientFrom(options).getBalance();
  if (options.json) {
    printer.out(`${JSON.stringify(result.raw, null, 2)}\n`);
    return EXIT.ok;
  }
  const lines = [`Remaining pages: ${result.remainingPages}`];
  if (result.monthlyPages?.remaining !== undefined)
    lines.push(`Monthly pages left: ${result.monthlyPages.remaining} of ${result.monthlyPages.total ?? "?"}`);
  if (result.tokens?.remaining !== undefined)
    lines.push(`Tokens left: ${result.tokens.remaining} (≈ ${result.tokens.affordablePages ?? "?"} pages)`);
  printer.out(`${lines.join("\n")}\n`);
  return EXIT.ok;
}

/** `sotaocr info`: the model profiles the service offers. */
export async function info(options: GlobalOptions & { json?: boolean }, printer: Printer): Promise<number> {
  const result = await clientFrom(options).getInfo();
  if (options.json) printer.out(`${JSON.stringify(result.raw, null, 2)}\n`);
  else
    printer.out(`Model profiles (use with --model-profile):\n${result.modelProfiles.map((profile) => `  ${profile.name}`).join("\n")}\n`);
  return EXIT.ok;
}
