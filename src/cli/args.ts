import { UsageError } from "../errors.js";
import { closest } from "./suggest.js";

/**
 * A tiny declarative flag parser. yargs costs ~40 ms of startup, which alone
 * would break the credential-process startup budget, so the CLI parses its
 * Go-compatible flags itself: `--name value`, `--name=value`, `-name value`
 * (Go's flag style), booleans as `--name` / `--name=false`.
 */
export type FlagType = "string" | "boolean" | "number";

export interface FlagSpec {
  name: string;
  type: FlagType;
  describe: string;
  alias?: string[];
  default?: string | boolean | number;
  /** Allowed values (case-sensitive) for string flags. */
  choices?: readonly string[];
  /** Recognised for drop-in compatibility but not supported: using it is a runtime error (exit 1). */
  unsupported?: string;
  /** May be given several times; the value becomes an array of strings. */
  repeat?: boolean;
  /** Hidden from --help. */
  hidden?: boolean;
}

export type ParsedValue = string | boolean | number | string[] | undefined;
export interface ParsedArgs {
  flags: Record<string, ParsedValue>;
  positionals: string[];
  /** Flags the user actually gave (not defaults). */
  given: Set<string>;
  /** Notices for stderr (a flag given twice: the last value counts). Never holds a value. */
  warnings: string[];
  /** The arguments after `--`, as given (another program's command line, for `exec`). */
  afterDashes?: string[];
  /** Flags whose value came from the `--config-profile` section. */
  fromProfile: Set<string>;
  /** The `--config-profile` in use, if any. */
  profile?: { name: string; path: string };
}

export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[]): ParsedArgs {
  const byName = new Map<string, FlagSpec>();
  for (const s of specs) {
    byName.set(s.name, s);
    for (const a of s.alias ?? []) byName.set(a, s);
  }
  const flags: Record<string, ParsedValue> = {};
  const given = new Set<string>();
  const positionals: string[] = [];
  const warnings: string[] = [];
  let afterDashes: string[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      afterDashes = argv.slice(i + 1);
      positionals.push(...afterDashes);
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    const body = arg.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const name = eq >= 0 ? body.slice(0, eq) : body;
    let inline: string | undefined = eq >= 0 ? body.slice(eq + 1) : undefined;
    const spec = byName.get(name);
    if (!spec) {
      const near = closest(name, byName.keys());
      throw new UsageError(`unknown flag: --${name}`, {
        hint: near ? `did you mean --${near}? (run with --help to list the flags)` : "run with --help to list the flags",
      });
    }
    let value: ParsedValue;
    if (spec.type === "boolean") {
      if (inline === undefined) value = true;
      else if (/^(true|1|yes)$/i.test(inline)) value = true;
      else if (/^(false|0|no)$/i.test(inline)) value = false;
      else throw new UsageError(`--${spec.name} takes true or false, not '${inline}'`);
    } else {
      if (inline === undefined) {
        const next = argv[i + 1];
        // A following flag means the value is missing; PEM text ("-----BEGIN …") is a value.
        if (next === undefined || /^--[A-Za-z]/.test(next)) {
          throw new UsageError(`flag needs a value: --${spec.name}`);
        }
        inline = next;
        i++;
      }
      if (spec.type === "number") {
        if (!/^-?\d+$/.test(inline.trim())) throw new UsageError(`--${spec.name} must be a whole number, not '${inline}'`);
        value = Number(inline.trim());
      } else {
        if (spec.choices && !spec.choices.includes(inline)) {
          throw new UsageError(`--${spec.name} must be one of ${spec.choices.join(", ")}, not '${inline}'`);
        }
        value = inline;
      }
    }
    if (spec.repeat) {
      const prev = flags[spec.name];
      flags[spec.name] = [...(Array.isArray(prev) ? prev : []), String(value)];
    } else {
      // As the official helper (Go's flag package) does, the last value counts:
      // wrappers append overrides to a configured command line.
      if (given.has(spec.name)) warnings.push(`--${spec.name} given more than once: the last value is used`);
      flags[spec.name] = value;
    }
    given.add(spec.name);
  }
  for (const s of specs) {
    if (!(s.name in flags) && s.default !== undefined) flags[s.name] = s.default;
  }
  return { flags, positionals, given, warnings, fromProfile: new Set(), ...(afterDashes ? { afterDashes } : {}) };
}

export function str(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags[name];
  return typeof v === "string" ? v : undefined;
}
export function num(args: ParsedArgs, name: string): number | undefined {
  const v = args.flags[name];
  return typeof v === "number" ? v : undefined;
}
export function bool(args: ParsedArgs, name: string): boolean {
  return args.flags[name] === true;
}
export function requireStr(args: ParsedArgs, name: string): string {
  const v = str(args, name);
  if (v === undefined || v === "") throw missingFlags(args, [name]);
  return v;
}

/** The usage error for required flags left out; with a config profile in use, the hint names its keys. */
export function missingFlags(args: ParsedArgs, names: readonly string[]): UsageError {
  const list = names.map((m) => `--${m}`).join(", ");
  const p = args.profile;
  const keys = names.map((m) => `rolesanywhere_${m.replace(/-/g, "_")}`).join(", ");
  return new UsageError(`missing required flag${names.length > 1 ? "s" : ""}: ${list}`, p ? { hint: `give ${names.length > 1 ? "them" : "it"} on the command line, or set ${keys} in [profile ${p.name}] of ${p.path}` } : undefined);
}

/** Extra help text of a command: examples and the environment variables it reads. */
export interface HelpExtras {
  examples?: readonly string[];
  env?: readonly string[];
}

/** Splits text into lines of at most `width` characters, breaking at spaces (a longer word stays whole). */
export function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line || out.length === 0) out.push(line);
  return out;
}

/** Left column, then the text wrapped in a right column starting at `col`. */
function columns(left: string, text: string, col: number, width: number): string[] {
  const body = wrap(text, Math.max(10, width - col));
  const first = left.length < col ? left.padEnd(col) + body[0] : `${left}\n${" ".repeat(col)}${body[0]}`;
  return [first, ...body.slice(1).map((l) => " ".repeat(col) + l)];
}

/** A command's help, wrapped to `width` columns (80 when not a terminal). */
export function formatHelp(usage: string, describe: string, specs: readonly FlagSpec[], width = 80, extras: HelpExtras = {}): string {
  const lines = [...columns("usage:", usage, 7, width), "", ...wrap(describe, width), ""];
  const shown = specs.filter((s) => !s.hidden);
  if (shown.length) lines.push("flags:");
  const col = Math.min(36, Math.floor(width / 2));
  for (const s of shown) {
    const left = `  --${s.name}${s.type === "boolean" ? "" : ` <${s.type === "number" ? "n" : "value"}>`}`;
    const def = s.default !== undefined && s.default !== false ? ` (default ${String(s.default)})` : "";
    const rep = s.repeat ? " (repeatable)" : "";
    lines.push(...columns(left, `${s.describe}${rep}${def}`, col, width));
  }
  if (extras.examples?.length) {
    lines.push("", "examples:");
    for (const e of extras.examples) lines.push(...columns("", e, 2, width));
  }
  if (extras.env?.length) {
    lines.push("", "environment:");
    for (const e of extras.env) {
      const [name, ...rest] = e.split(": ");
      lines.push(...columns(`  ${name}`, rest.join(": "), col, width));
    }
  }
  return lines.join("\n") + "\n";
}
