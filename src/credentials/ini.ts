import { ConfigError } from "../errors.js";

/** A line terminator as found in the file ("" only for a last line without one). @public */
export type Eol = "" | "\n" | "\r\n";

/** One line of a shared credentials file, kept verbatim in `raw`. @public */
export type IniLine =
  | { kind: "blank" | "comment" | "other"; raw: string; eol: Eol }
  /** A line indented deeper than the entry before it: part of that entry's value (botocore joins it with "\n"). */
  | { kind: "continuation"; raw: string; eol: Eol; value: string }
  | { kind: "section"; raw: string; eol: Eol; name: string }
  | {
      kind: "entry";
      raw: string;
      eol: Eol;
      /** Key as written, trimmed. Compared case-insensitively (botocore lowercases keys). */
      key: string;
      /** Value as written on this line, trimmed (continuation lines not included). */
      value: string;
      /** Offset in `raw` where the value starts (after `key`, `=` or `:`, and spaces). */
      valueStart: number;
    };

/** A parsed file: serialize() gives back the exact input when nothing was patched. @public */
export interface IniDocument {
  bom: boolean;
  lines: IniLine[];
}

/** The three keys `update` writes (and the only ones it writes). @public */
export interface ProfileCredentials {
  aws_access_key_id: string;
  aws_secret_access_key: string;
  aws_session_token: string;
}

/** What patchProfile did. @public */
export interface IniPatch {
  doc: IniDocument;
  /** Keys whose existing lines got the new value. */
  replaced: string[];
  /** Keys appended to the section. */
  added: string[];
  /** The section did not exist and was appended at the end. */
  createdSection: boolean;
}

const KEYS = ["aws_access_key_id", "aws_secret_access_key", "aws_session_token"] as const;

/** Python's str.strip() whitespace, near enough: what configparser strips. */
const isSpace = (c: string | undefined) => c !== undefined && /\s/.test(c);

/** Indentation of a line: the offset of its first non-space character (configparser's NONSPACECRE). */
function indentOf(raw: string): number {
  let i = 0;
  while (isSpace(raw[i])) i++;
  return i;
}

/**
 * One line as botocore's parser (Python's configparser.RawConfigParser) reads
 * it, given what came before: `#` and `;` lines are comments, blank lines are
 * blank, a line indented deeper than the entry line before it (blank and
 * comment lines between do not matter) continues that entry's value; else a
 * `[…]` line is a section (the name up to the last `]`), and a line with `=` or
 * `:` is an entry, the key ending at the first of them.
 */
function classify(raw: string, eol: Eol, state: { indent: number; inEntry: boolean }): IniLine {
  const trimmed = raw.trim();
  if (trimmed === "") return { kind: "blank", raw, eol };
  if (trimmed[0] === "#" || trimmed[0] === ";") return { kind: "comment", raw, eol };
  const indent = indentOf(raw);
  if (state.inEntry && indent > state.indent) return { kind: "continuation", raw, eol, value: trimmed };
  state.indent = indent;
  if (trimmed[0] === "[") {
    const close = trimmed.lastIndexOf("]");
    state.inEntry = false;
    if (close > 1) return { kind: "section", raw, eol, name: trimmed.slice(1, close) };
    return { kind: "other", raw, eol };
  }
  const eq = raw.indexOf("=");
  const colon = raw.indexOf(":");
  const at = eq < 0 ? colon : colon < 0 ? eq : Math.min(eq, colon);
  if (at > 0 && raw.slice(0, at).trim() !== "") {
    let valueStart = at + 1;
    while (valueStart < raw.length && isSpace(raw[valueStart])) valueStart++;
    state.inEntry = true;
    return { kind: "entry", raw, eol, key: raw.slice(0, at).trim(), value: raw.slice(valueStart).trim(), valueStart };
  }
  // botocore refuses the file for such a line; it is kept as it is.
  state.inEntry = false;
  return { kind: "other", raw, eol };
}

/** Classifies a line written by the patcher, in isolation (it starts at column 0). */
function lineOf(raw: string, eol: Eol): IniLine {
  return classify(raw, eol, { indent: 0, inEntry: false });
}

/**
 * Parses a shared credentials file into a lossless line model: every line keeps
 * its text and its own terminator (LF, CRLF or none at the end), a leading BOM is
 * remembered. Lines are read as botocore reads them: `key = value` and
 * `key: value` entries, and indented continuation lines of an entry's value.
 * Never throws; unrecognised lines are kept as "other".
 * @public
 */
export function parseIni(text: string): IniDocument {
  const bom = text.charCodeAt(0) === 0xfeff;
  const body = bom ? text.slice(1) : text;
  const lines: IniLine[] = [];
  const state = { indent: 0, inEntry: false };
  let pos = 0;
  while (pos < body.length) {
    const nl = body.indexOf("\n", pos);
    if (nl === -1) {
      lines.push(classify(body.slice(pos), "", state));
      break;
    }
    const crlf = nl > pos && body[nl - 1] === "\r";
    lines.push(classify(body.slice(pos, crlf ? nl - 1 : nl), crlf ? "\r\n" : "\n", state));
    pos = nl + 1;
  }
  return { bom, lines };
}

/** Gives the file text back: the input byte for byte when the document was not patched. @public */
export function serializeIni(doc: IniDocument): string {
  let out = doc.bom ? "\uFEFF" : "";
  for (const l of doc.lines) out += l.raw + l.eol;
  return out;
}

/** The terminator most lines use (LF when tied or when there is none). @public */
export function dominantEol(doc: IniDocument): "\n" | "\r\n" {
  let crlf = 0;
  let lf = 0;
  for (const l of doc.lines) {
    if (l.eol === "\r\n") crlf++;
    else if (l.eol === "\n") lf++;
  }
  return crlf > lf ? "\r\n" : "\n";
}

/**
 * The entries of every section, first section of a name and last key wins, in
 * Maps (so names such as `__proto__` are plain data). A value with continuation
 * lines is joined with "\n", as botocore does.
 * @public
 */
export function readProfiles(doc: IniDocument): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  let key: string | undefined;
  for (const l of doc.lines) {
    if (l.kind === "section") {
      current = out.has(l.name) ? undefined : new Map();
      if (current) out.set(l.name, current);
      key = undefined;
    } else if (l.kind === "entry" && current) {
      key = l.key.toLowerCase();
      current.set(key, l.value);
    } else if (l.kind === "continuation" && current && key !== undefined) {
      current.set(key, `${current.get(key)}\n${l.value}`);
    }
  }
  return out;
}

function checkSectionName(profile: string): void {
  if (profile === "" || /[[\]\r\n]/.test(profile) || profile.trim() !== profile) {
    throw new ConfigError(`profile name ${JSON.stringify(profile)}: not usable as a credentials file section`, {
      hint: "use a name without brackets, line breaks or surrounding spaces, e.g. --profile default",
    });
  }
}

function checkValue(k: string, v: string): void {
  if (!/^[A-Za-z0-9_.-]+$/.test(k)) throw new ConfigError(`ini key ${JSON.stringify(k)}: not a plain key name`, { hint: "this is a bug; report it" });
  if (typeof v !== "string" || v === "" || /[\r\n]/.test(v) || v.trim() !== v) {
    throw new ConfigError(`value of ${k}: empty, or holds a line break or surrounding spaces`, {
      hint: "give a value on one line without leading or trailing spaces",
    });
  }
}

/** The file's last line has no terminator (so the patched file's last line gets none either). */
function endsUnterminated(doc: IniDocument): boolean {
  return doc.lines.length > 0 && doc.lines[doc.lines.length - 1]!.eol === "";
}

/**
 * Sets aws_access_key_id, aws_secret_access_key and aws_session_token in the
 * FIRST section named `profile` and changes nothing else. Existing lines of those
 * keys (matched case-insensitively, every occurrence, `=` or `:` form) keep their
 * place, spelling and spacing and get the new value; continuation lines of their
 * old value (indented deeper) are removed, so botocore does not join them to the
 * new one. Missing keys are appended after the
 * section's last entry and its continuation lines (or, with no entry, its last non-blank line), so blank
 * lines and the comments introducing the next section stay where they were.
 * A missing section is appended at the end, after one blank line. New lines use
 * the file's dominant terminator; a file that ended without a line break still
 * does. No other key (such as aws_expiration) is added.
 * Pure: returns a new document.
 * @public
 */
export function patchSection(doc: IniDocument, profile: string, values: Readonly<Record<string, string>>): IniPatch {
  checkSectionName(profile);
  const keys = Object.keys(values);
  for (const k of keys) checkValue(k, values[k]!);
  const eol = dominantEol(doc);
  const lines = doc.lines.slice();
  const start = lines.findIndex((l) => l.kind === "section" && l.name === profile);
  const fresh = (raw: string): IniLine => lineOf(raw, eol);
  /** Give a last line without terminator one before anything follows it. */
  const terminate = (i: number): void => {
    const l = lines[i];
    if (l && l.eol === "") lines[i] = { ...l, eol };
  };

  if (start === -1) {
    if (lines.length > 0) {
      terminate(lines.length - 1);
      if (lines[lines.length - 1]!.kind !== "blank") lines.push(fresh(""));
    }
    lines.push(fresh(`[${profile}]`), ...keys.map((k) => fresh(`${k} = ${values[k]}`)));
    if (endsUnterminated(doc)) lines[lines.length - 1] = { ...lines[lines.length - 1]!, eol: "" };
    return { doc: { bom: doc.bom, lines }, replaced: [], added: [...keys], createdSection: true };
  }

  let end = lines.findIndex((l, i) => i > start && l.kind === "section");
  if (end === -1) end = lines.length;
  const replaced: string[] = [];
  let lastEntry = -1;
  let lastNonBlank = start;
  /** The key whose value the continuation lines that follow belong to, when it is one of ours. */
  let ours: string | undefined;
  const drop = new Set<number>();
  for (let i = start + 1; i < end; i++) {
    const l = lines[i]!;
    if (l.kind !== "blank") lastNonBlank = i;
    if (l.kind === "continuation") {
      // The old value went on here: its continuation lines go with it.
      if (ours) drop.add(i);
      else lastEntry = i;
      continue;
    }
    if (l.kind !== "entry") continue;
    lastEntry = i;
    const k = keys.find((key) => key === l.key.toLowerCase());
    ours = k;
    if (!k) continue;
    const raw = l.raw.slice(0, l.valueStart) + values[k]!;
    lines[i] = { ...l, raw, value: values[k]! };
    if (!replaced.includes(k)) replaced.push(k);
  }
  if (drop.size > 0) {
    // Keep the last kept line's terminator when the file's last line is dropped.
    const lastDropped = Math.max(...drop);
    if (lastDropped === lines.length - 1 && lines[lastDropped]!.eol === "") {
      let keep = lastDropped - 1;
      while (drop.has(keep)) keep--;
      if (keep >= 0) lines[keep] = { ...lines[keep]!, eol: "" };
    }
    const shift = (i: number) => i - [...drop].filter((d) => d < i).length;
    lastEntry = lastEntry === -1 ? -1 : shift(lastEntry);
    lastNonBlank = shift(lastNonBlank);
    for (const i of [...drop].sort((a, b) => b - a)) lines.splice(i, 1);
    end -= drop.size;
  }
  const added = keys.filter((k) => !replaced.includes(k));
  if (added.length > 0) {
    const at = (lastEntry !== -1 ? lastEntry : lastNonBlank) + 1;
    terminate(at - 1);
    const extra = added.map((k) => fresh(`${k} = ${values[k]}`));
    if (at === lines.length && endsUnterminated(doc)) extra[extra.length - 1] = { ...extra[extra.length - 1]!, eol: "" };
    lines.splice(at, 0, ...extra);
  }
  return { doc: { bom: doc.bom, lines }, replaced, added, createdSection: false };
}

/**
 * Sets the three credential keys of `profile` (see {@link patchSection}).
 * @throws ConfigError for a profile name or value that cannot be written safely
 * @public
 */
export function patchProfile(doc: IniDocument, profile: string, values: ProfileCredentials): IniPatch {
  checkSectionName(profile);
  for (const k of KEYS) {
    const v = values[k];
    if (typeof v !== "string" || v === "" || /[\r\n]/.test(v) || v.trim() !== v) {
      throw new ConfigError(`credentials for the file: ${k} is empty or holds a line break or surrounding spaces`, {
        hint: "this is a bug in the credential source; report it",
      });
    }
  }
  return patchSection(doc, profile, { aws_access_key_id: values.aws_access_key_id, aws_secret_access_key: values.aws_secret_access_key, aws_session_token: values.aws_session_token });
}
