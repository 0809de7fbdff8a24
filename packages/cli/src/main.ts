// The `sightglass` command line: argument parsing, help, and turning every failure into a message and an exit
// code. Each command lives in commands/.

import { Command, CommanderError, Option } from "commander";
import { AnalysisError } from "@sightglass/analysis";
import { ProfileError } from "@sightglass/profile";
import { CliError } from "./errors.js";
import type { CommandContext } from "./commands/context.js";
import { driftCommand } from "./commands/drift.js";
import { mergeCommand } from "./commands/merge.js";
import { performanceCommand } from "./commands/performance.js";
import { profileCommand } from "./commands/profile.js";
import { showCommand } from "./commands/show.js";
import { serveCommand } from "./commands/serve.js";
import { API_KEY_ENV, uploadCommand } from "./commands/upload.js";
import { validateCommand } from "./commands/validate.js";

export const EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  a check failed: drift --fail-on tripped, or validate found a failing constraint
  2  usage error: unknown option, missing argument, bad value
  3  input error: a file is missing, unreadable, malformed, or not what it claims to be
  4  output error: a file could not be written
  5  network error: upload could not reach the server or was refused
  70 internal error (a bug: please report it with the command line)`;

function dataOptions(cmd: Command): Command {
  return (
    cmd
      .addOption(
        new Option("--format <format>", "input format when the file name does not say").choices([
          "csv",
          "tsv",
          "jsonl",
          "parquet",
          "arrow",
          "profile",
        ]),
      )
      .option("--delimiter <char>", "CSV field delimiter (default: sniffed from , \\t ; |)")
      .option(
        "--null-values <list>",
        "comma-separated texts that mean missing (default: pandas' list: '', NA, null, NaN, …)",
      )
      .option("--segment-by <columns>", "profile each combination of these columns' values separately")
      .option("--max-segments <n>", "more segments than this are folded into __other__ (default 1000)")
      .option("--threads <n>", "worker threads (default: one per core for inputs ≥ 32 MiB)")
      .option("--strict", "stop at the first malformed record instead of skipping it")
      .option("--max-errors <n>", "how many malformed records to list with their line (default 20)")
      // Chunk size of text inputs: only tests need to change it (to spread a small file over many chunks).
      .addOption(new Option("--chunk-kib <n>").hideHelp())
  );
}

// Options more than one command takes, defined once so their choices and wording cannot drift apart.
function timestampUnitOption(): Option {
  return new Option("--timestamp-unit <unit>", "unit of numeric timestamps").choices([
    "auto",
    "s",
    "ms",
    "us",
    "ns",
  ]);
}

function bucketOption(flags: string, description: string): Option {
  return new Option(flags, description).choices(["hour", "day", "week", "month"]);
}

function taskOption(): Option {
  return new Option("--task <task>", "what the model does (default classification)").choices([
    "classification",
    "regression",
  ]);
}

export function buildProgram(ctx: CommandContext, setExit: (code: number) => void): Command {
  const program = new Command("sightglass")
    .description("Profile data into whylogs-compatible sketches, compare profiles, check constraints.")
    .version("0.1.0")
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
    })
    .exitOverride()
    .addHelpText(
      "after",
      `
Examples:
  sightglass profile data.csv -o data.bin
  sightglass show data.bin
  sightglass drift last_week.csv today.csv --html drift.html --fail-on drift
  sightglass performance --reference ref.csv --target today.csv --prediction-column y_pred \\
    --score-column y_pred_proba --label-column y
  sightglass validate today.bin --constraints constraints.yaml
${EXIT_CODES_HELP}`,
    );

  dataOptions(
    program
      .command("profile")
      .description(
        "profile CSV/TSV, JSON Lines, Parquet or Arrow files (or - for stdin) into whylogs-compatible profiles",
      )
      .argument("<files...>", "data files, parts of one dataset (.gz text files are decompressed on the fly)")
      .option(
        "-o, --output <path>",
        "profile file; a directory when --segment-by or --timestamp-column is used",
      )
      .option("--timestamp-column <column>", "write one profile per time bucket of this column (a directory)")
      .addOption(bucketOption("--bucket <size>", "time bucket size (default day)"))
      .addOption(timestampUnitOption())
      .option(
        "--dataset-timestamp <time>",
        "when the data happened, for a profile without --timestamp-column",
      )
      .option("--prediction-column <column>", "track model performance: the column of the model's prediction")
      .option(
        "--score-column <column>",
        "with --prediction-column: probability of the positive label, or label=column,… for a multiclass model",
      )
      .option(
        "--label-column <column>",
        "with --prediction-column: the true label (missing or empty while it has not arrived)",
      )
      .option("--positive-label <label>", "positive class of a binary classifier (default 1, or true)")
      .addOption(taskOption())
      .option("--json", "print a JSON summary of the run (rows, malformed records, files, peak memory)")
      .option("-q, --quiet", "no progress line"),
  )
    .addHelpText(
      "after",
      `
Examples:
  sightglass profile data.csv -o data.bin
  sightglass profile part-*.parquet -o dataset.bin
  sightglass profile events.jsonl --timestamp-column ts --bucket hour -o profiles/
  sightglass profile data.csv --segment-by country,device -o by-segment/
  sightglass profile scored.csv --prediction-column y_pred --score-column y_pred_proba --label-column y -o scored.bin
  zcat huge.csv.gz | sightglass profile - -o huge.bin

Values are typed as pandas.read_csv types them: numbers, True/False, and pandas' missing-value texts. Malformed
records (wrong number of fields, invalid JSON) are skipped and listed with their line; --strict stops instead.
Text without a time zone in --timestamp-column is read as UTC; weeks start on Monday, months on the 1st.
With --prediction-column the profiles also carry mergeable model-performance metrics (confusion matrix, score
histograms; errors for --task regression) that \`sightglass performance\` reads.`,
    )
    .action(async (files: string[], o) => setExit(await profileCommand(ctx, files, o)));

  dataOptions(
    program
      .command("show")
      .description(
        "per-column summary of a profile: counts, nulls, type, mean, quantiles, distinct, top items",
      )
      .argument("<inputs...>", "profile files or directories (or data files, profiled on the fly); merged")
      .option("--json", "print the summary object (whylogs' to_summary_dict keys per column)")
      .option("--columns <list>", "only these columns")
      .option("--segments", "one table per segment instead of the merged whole")
      .option("--top <n>", "frequent items shown per column (default 3)"),
  )
    .addHelpText(
      "after",
      `
Examples:
  sightglass show data.bin
  sightglass show profiles/ --columns price,country
  sightglass show data.bin --json | jq '.price["distribution/median"]'`,
    )
    .action(async (inputs: string[], o) => setExit(await showCommand(ctx, inputs, o)));

  program
    .command("merge")
    .description("merge profiles (partitions, replicas, time windows) into one")
    .argument("<profiles...>", "profile files or directories of them")
    .requiredOption("-o, --output <file>", "the merged profile")
    .addHelpText(
      "after",
      `
Examples:
  sightglass merge part-0.bin part-1.bin -o all.bin
  sightglass merge profiles/ -o month.bin`,
    )
    .action(async (profiles: string[], o) => setExit(await mergeCommand(ctx, profiles, o)));

  dataOptions(
    program
      .command("drift")
      .description("drift and data-quality report of a target against a reference (profiles or data files)")
      .argument("<reference>", "reference profile, directory of profiles, or data file")
      .argument("<target>", "target profile, directory of profiles, or data file")
      .option("--html <file>", "also write a self-contained HTML report (opens offline)")
      .option("--json", "print the report as JSON: { columns, quality, datasetDrift }")
      .addOption(
        new Option(
          "--fail-on <level>",
          "exit 1 when the dataset drifted (drift) or any column possibly did (possible)",
        ).choices(["drift", "possible"]),
      )
      .option(
        "--method <method>",
        "auto (default), ks, chi_square, psi, jensen_shannon, hellinger, wasserstein, linf",
      )
      .option("--columns <list>", "only these columns")
      .addOption(
        new Option("--correction <kind>", "multiple-testing correction of p-values").choices(["bh", "none"]),
      )
      .option(
        "--min-effect-size <x>",
        "a significant p-value needs at least this effect size (KS D, Cramér's V)",
      )
      .option("--drift-share <x>", "the dataset drifted when this share of columns did (default: any)")
      .option("--title <text>", "title of the HTML report"),
  )
    .addHelpText(
      "after",
      `
Examples:
  sightglass drift reference.csv today.csv
  sightglass drift ref.bin today.bin --html report.html
  sightglass drift ref.bin today.parquet --fail-on drift --json > drift.json

Every score comes with its bound: the most it can differ from the same score computed on the raw data, from
the sketches' guaranteed accuracy. p-values are adjusted across all columns (Benjamini–Hochberg).`,
    )
    .action(async (reference: string, target: string, o) =>
      setExit(await driftCommand(ctx, reference, target, o)),
    );

  dataOptions(
    program
      .command("performance")
      .description(
        "model performance of a target: realized from its labels, estimated (CBPE) from a labeled reference; per window and segment",
      )
      .option(
        "--reference <path>",
        "labeled data file, profile or directory of profiles the estimate is calibrated on",
      )
      .requiredOption("--target <path>", "data file, profile or directory of profiles to report on")
      .option(
        "--prediction-column <column>",
        "the column of the model's prediction (a class label, or a number)",
      )
      .option(
        "--score-column <column>",
        "probability of the positive label (binary), or label=column,… per class (multiclass)",
      )
      .option("--label-column <column>", "the true label (missing or empty where it has not arrived)")
      .option("--positive-label <label>", "positive class of a binary classifier (default 1, or true)")
      .addOption(taskOption())
      .option(
        "--target-labels <file>",
        "labels that arrived separately (id and label columns), joined by --id-column",
      )
      .option("--id-column <column>", "the column the target's predictions and --target-labels share")
      .option("--timestamp-column <column>", "report the target per time window of this column")
      .addOption(bucketOption("--window <size>", "window size with --timestamp-column (default day)"))
      .addOption(timestampUnitOption())
      .option("--confidence <level>", "two-sided confidence of every interval (default 0.95)")
      .option(
        "--min-segment-rows <n>",
        "smaller segments are left out of the disparity comparison (default 30)",
      )
      .option("--json", "print { realized, estimated, segments, disparity, windows?, labels? } as JSON"),
  )
    .addHelpText(
      "after",
      `
Examples:
  sightglass performance --reference reference.csv --target analysis.csv \\
    --prediction-column y_pred --score-column y_pred_proba --label-column clf_target
  sightglass performance --reference reference.csv --target analysis.csv \\
    --prediction-column y_pred --score-column y_pred_proba --label-column clf_target \\
    --target-labels analysis_gt.csv --id-column id --timestamp-column timestamp --window month --json
  sightglass performance --reference ref.profiles/ --target today.profiles/ --window day
  sightglass performance --target preds.csv --task regression --prediction-column y_hat --label-column y

Realized metrics come from the target's labeled rows (in the file, or joined from --target-labels). Estimated
metrics (CBPE) calibrate the reference's scores against its labels and need no target labels; rows whose labels
have arrived count exactly. Profiles must have been written with \`sightglass profile --prediction-column …\`;
they are windowed by their dataset timestamps. With --segment-by the target is also reported per segment, with
the largest gap of each rate between segments and whether its interval excludes 0.`,
    )
    .action(async (o) => setExit(await performanceCommand(ctx, o)));

  dataOptions(
    program
      .command("validate")
      .description("check a profile (or data files) against constraints; exit 1 when any fails")
      .argument("<inputs...>", "profile files or directories, or data files")
      .requiredOption("--constraints <file>", "constraints in YAML or JSON")
      .option("--json", "print the report as JSON"),
  )
    .addHelpText(
      "after",
      `
Examples:
  sightglass validate today.bin --constraints constraints.yaml
  sightglass validate today.csv --constraints constraints.yaml --json

A constraints file:
  constraints:
    - { check: no_missing_values, column: id }
    - { check: is_in_range, column: age, lower: 0, upper: 120 }
    - { check: frequent_strings_in_reference_set, column: country, reference_set: [NO, SE, DK] }`,
    )
    .action(async (inputs: string[], o) => setExit(await validateCommand(ctx, inputs, o)));

  program
    .command("upload")
    .description(`send profiles to a Sightglass server (API key from $${API_KEY_ENV})`)
    .argument("<profiles...>", "profile files or directories of them")
    .requiredOption("--server <url>", "the server's base URL")
    .requiredOption("--project <id>", "the project to ingest into")
    .option("--api-key-env <name>", `environment variable holding the API key (default ${API_KEY_ENV})`)
    .option("--retries <n>", "retries on network errors, timeouts, 408/425/429 and 5xx answers (default 3)")
    .option("--concurrency <n>", "uploads in flight at once (default 4)")
    .addHelpText(
      "after",
      `
Examples:
  export ${API_KEY_ENV}=...   # an ingest-scoped key
  sightglass upload profiles/ --server https://sightglass.example.com --project churn-model`,
    )
    .action(async (profiles: string[], o) => setExit(await uploadCommand(ctx, profiles, o)));

  program
    .command("serve")
    .description(
      "run the Sightglass server: profile ingestion (incl. the whylogs upload flow), storage, queries",
    )
    .option("--port <n>", "port to listen on (default 8080; env SIGHTGLASS_PORT)")
    .option("--host <address>", "address to bind (default 127.0.0.1; 0.0.0.0 for all interfaces)")
    .option("--data-dir <dir>", "directory of the embedded SQLite store (default ./sightglass-data)")
    .option(
      "--database-url <url>",
      "postgres://… to store in PostgreSQL instead (env SIGHTGLASS_DATABASE_URL)",
    )
    .option("--config <file>", "JSON file with settings (flags and SIGHTGLASS_* variables override it)")
    .option("--public-url <url>", "the URL clients reach this server at (upload URLs, setup links)")
    .option("--log-level <level>", "fatal, error, warn, info (default), debug, trace or silent")
    .option("--demo", "seed a demo project with generated traffic on first start")
    .addHelpText(
      "after",
      `
Examples:
  sightglass serve --demo                              # SQLite in ./sightglass-data, http://127.0.0.1:8080
  sightglass serve --database-url postgres://sightglass@db/sightglass --host 0.0.0.0
  SIGHTGLASS_BOOTSTRAP_API_KEY=... sightglass serve    # seeds that admin API key on an empty store

On an empty store the first start prints a one-time link to set the admin password.`,
    )
    .action(async (o) => setExit(await serveCommand(ctx, o)));

  return program;
}

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export async function runCli(argv: readonly string[], ctx: CommandContext): Promise<number> {
  let code = 0;
  const program = buildProgram(ctx, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv], { from: "user" });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version "fail" with exit code 0.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof CliError) {
      ctx.stderr.write(`sightglass: ${e.message}\n`);
      return e.exitCode;
    }
    if (e instanceof ProfileError || e instanceof AnalysisError) {
      ctx.stderr.write(`sightglass: ${e.message}\n`);
      return 3;
    }
    ctx.stderr.write(
      `sightglass: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\nPlease report this with the command line you ran.\n`,
    );
    return 70;
  }
}
