import { Command, CommanderError, Option, type OptionValues } from "commander";
import { balance, info } from "./commands/account.js";
import { emulator, emulatorArgv } from "./commands/emulator.js";
import { extract } from "./commands/extract.js";
import { getJob, type JobResultOptions, jobResult, jobResultFacts } from "./commands/jobs.js";
import { queueAdd, queueResults, queueStatus, queueWork } from "./commands/queue.js";
import { type RunFacts, runFacts } from "./error-advice.js";
import { describeError, EXIT, red, UsageError } from "./fail.js";
import { addInspectCommand } from "./inspect/command.js";
import { Printer } from "./printer.js";
import { secretsOf } from "./redact.js";
import { VERSION } from "./version.js";

const formatOption = () => new Option("--format <format>", "output format").choices(["markdown", "text", "json"]).default("markdown");
const pagesOption = () => new Option("--pages <ranges>", 'pages to process, 1-based and inclusive, e.g. "1-3,5" (default: all)');
const timeoutOption = () => new Option("--timeout <duration>", "give up waiting after this long: 90s, 30m, 2h").default("30m");

/** The `sotaocr` program. Every action resolves to an exit code; everything printed goes through `printer`. */
export function buildProgram(setExitCode: (code: number) => void, printer = new Printer(secretsOf(process.argv))): Command {
  const program = new Command("sotaocr")
    // Before the subcommands are added: they copy it. Commander's own messages repeat arguments.
    .configureOutput({ writeOut: (text) => printer.out(text), writeErr: (text) => printer.err(text) })
    .description("OCR PDFs, PNGs and JPEGs with SotaOCR, from the terminal.")
    .version(VERSION, "-V, --version")
    .option("--api-key <key>", "API key (default: $SOTAOCR_API_KEY)")
    .option("--base-url <url>", "service URL (default: $SOTAOCR_BASE_URL, else https://api.sotaocr.com)")
    .option("--verbose", "print stacks and causes of errors")
    .showHelpAfterError("(add --help for usage)")
    .exitOverride();
  // Each action resolves to an exit code; its errors are told here, in the terms of the command that ran.
  const run =
    <A extends unknown[]>(action: (...args: A) => Promise<number>, factsOf: (options: OptionValues) => RunFacts = runFacts) =>
    async (...args: A) => {
      try {
        setExitCode(await action(...args));
      } catch (error) {
        if (error instanceof UsageError) throw error; // `main` adds the hint to --help
        const options = (args.at(-1) as Command).optsWithGlobals();
        printer.err(`${red("sotaocr:")} ${describeError(error, options.verbose === true, factsOf(options))}\n`);
        setExitCode(EXIT.failure);
      }
    };

  program
    .command("extract")
    .description("OCR files: writes <name>.md/.txt/.json per file into --out, or prints a single file's result")
    .argument("<files...>", "files or glob patterns (PDF, PNG, JPEG)")
    .addOption(formatOption())
    .addOption(pagesOption())
    .option("--out <dir>", "write results into this directory (default: print one file's result; for several, the current directory)")
    .option("--concurrency <n>", "files in flight at once", "4")
    .option("--model-profile <name>", "a model profile from `sotaocr info`")
    .addOption(timeoutOption())
    .option("--cache [dir]", "keep results on disk and resume interrupted jobs (default dir: the user's cache folder)")
    .option("--force", "replace result files that already exist (default: refuse, before uploading anything)")
    .action(run((files: string[], _options, command: Command) => extract(files, command.optsWithGlobals(), printer)));

  program
    .command("balance")
    .description("show the account's remaining pages")
    .option("--json", "print the service's answer as JSON")
    .action(run((_options, command: Command) => balance(command.optsWithGlobals(), printer)));

  program
    .command("info")
    .description("show the model profiles the service offers")
    .option("--json", "print the service's answer as JSON")
    .action(run((_options, command: Command) => info(command.optsWithGlobals(), printer)));

  const jobs = program.command("jobs").description("look at jobs already on the server");
  jobs
    .command("get")
    .description("show a job's status")
    .argument("<id>", "job id")
    .action(run((id: string, _options, command: Command) => getJob(id, command.optsWithGlobals(), printer)));
  jobs
    .command("result")
    .description("wait for a job and print (or write) its result, without uploading again")
    .argument("<id>", "job id")
    .addOption(formatOption())
    .addOption(new Option("--pages <ranges>", "the page ranges the job was created with, to number its pages as in the document"))
    .option("--out <file>", "write the result to this file instead of printing it")
    .option("--force", "replace the --out file if it exists")
    .addOption(timeoutOption())
    .action(
      run(
        (id: string, _options, command: Command) => jobResult(id, command.optsWithGlobals(), printer),
        (options) => jobResultFacts(options as JobResultOptions),
      ),
    );

  const queue = program
    .command("queue")
    .description("OCR a corpus on distributed workers (BullMQ on Redis; package @sotaocr/queue)")
    .option("--redis <url>", "Redis URL (default: $REDIS_URL, else redis://127.0.0.1:6379)")
    .option("--queue <name>", "queue name, shared by producers, workers and consumers", "sotaocr")
    .option("--results-dir <dir>", "keep results in this folder on shared storage (default: in Redis, up to 1 MiB each)");
  queue
    .command("add")
    .description("queue files (paths every worker sees, or http(s) URLs); a file already queued is not added again")
    .argument("<files...>", "files or URLs (PDF, PNG, JPEG)")
    .addOption(new Option("--format <format>", "result text format").choices(["markdown", "text"]).default("markdown"))
    .addOption(pagesOption())
    .option("--model-profile <name>", "a model profile from `sotaocr info`")
    .addOption(
      new Option(
        "--order <order>",
        "the order workers take the files in: mixed lengths, the shortest last; most pages first; or first in, first out",
      )
        .choices(["mixed", "longest-first", "as-added"])
        .default("mixed"),
    )
    .action(run((files: string[], _options, command: Command) => queueAdd(files, command.optsWithGlobals(), printer)));
  queue
    .command("work")
    .description("run one worker until SIGTERM or Ctrl-C (finishing its files; a second signal hands them back)")
    .option("--concurrency <n>", "files this worker has in flight at once", "4")
    .option("--max-active-jobs <n>", "the API key's limit of active jobs, kept across every worker")
    .option("--max-requests-per-second <n>", "the API key's requests per second, shared by every worker given it")
    .action(run((_options, command: Command) => queueWork(command.optsWithGlobals(), printer)));
  queue
    .command("results")
    .description("print (or write to --out) each finished file's result as it finishes, until none is left to do")
    .addOption(formatOption())
    .option("--out <dir>", "write one result file per queued file into this directory")
    .option("--force", "replace result files that already exist")
    .option("--follow", "keep waiting for new results once the queue is empty")
    .action(run((_options, command: Command) => queueResults(command.optsWithGlobals(), printer)));
  queue
    .command("status")
    .description("show how many files wait, run, finished and failed")
    .option("--json", "print as JSON")
    .action(run((_options, command: Command) => queueStatus(command.optsWithGlobals(), printer)));

  addInspectCommand(program, run, printer);

  // Listed for --help; `main` hands everything after `emulator` to the emulator's own command line.
  program
    .command("emulator")
    .description("run a local SotaOCR emulator (offline OCR) for development and CI; `sotaocr emulator --help` lists its options")
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments();

  for (const command of [program, ...program.commands, ...jobs.commands, ...queue.commands]) command.exitOverride();
  return program;
}

/** Runs the CLI; resolves to the process exit code (never rejects). */
export async function main(argv: string[]): Promise<number> {
  const printer = new Printer(secretsOf(argv));
  const forEmulator = emulatorArgv(argv);
  if (forEmulator) return runEmulator(forEmulator, printer);
  let exitCode: number = EXIT.ok;
  const program = buildProgram((code) => {
    exitCode = code;
  }, printer);
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; help shown for a missing command, and every other parse error,
      // is bad usage (commander already said why).
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return EXIT.ok;
      return error.code === "commander.help" && error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const verbose = program.opts().verbose === true || argv.includes("--verbose");
    if (error instanceof UsageError) {
      printer.err(`${red("sotaocr:")} ${error.message} (add --help for usage)\n`);
      return EXIT.usage;
    }
    printer.err(`${red("sotaocr:")} ${describeError(error, verbose, runFacts(program.opts()))}\n`);
    return EXIT.failure;
  }
}

async function runEmulator(args: string[], printer: Printer): Promise<number> {
  try {
    return await emulator(args, printer);
  } catch (error) {
    printer.err(`${red("sotaocr:")} ${describeError(error, args.includes("--verbose"))}\n`);
    return EXIT.failure;
  }
}
