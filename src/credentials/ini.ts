import { ConfigError } from "../errors.js";

/** A line terminator as found in the file ("" only for a last line without one). @public */
export type Eol = "" | "\n" | "\r\n";

/** One line of a shared credentials file, kept verbatim in `raw`. @public */
export type IniLine =
  | { kind: "blank" | "comment" | "other"; raw: string; eol: Eol }
  | { kind: "section"; raw: string; eol: Eol; name: string }
  | {
      kind: "entry";
      raw: string;
      eol: Eol;
      /** Key as written, trimmed. Compared case-insensitively (botocore lowercases keys). */
      key: string;
      /** Value as written, trimmed. */
      value: string;
      /** Offset in `raw` where the value starts (after `key`, `=` and spaces). */
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

function classify(raw: string, eol: Eol): IniLine {
  const trimmed = raw.trim();
  if (trimmed === "") return { kind: "blank", raw, eol };
  if (trimmed[0] === "#" || trimmed[0] === ";") return { kind: "comment", raw, eol };
  if (trimmed[0] === "[") {
    // A trailing " # note" / " ; note" is not part of the header.
    const head = trimmed.replace(/\s[#;].*$/, "").trimEnd();
    const close = head.lastIndexOf("]");
    if (close > 1 && close === head.length - 1) return { kind: "section", raw, eol, name: head.slice(1, close) };
    return { kind: "other", raw, eol };
  }
  const eq = raw.indexOf("=");
  if (eq > 0 && raw.slice(0, eq).trim() !== "") {
    let valueStart = eq + 1;
    while (valueStart < raw.length && (raw[valueStart] === " " || raw[valueStart] === "\t")) valueStart++;
    return { kind: "entry", raw, eol, key: raw.slice(0, eq).trim(), value: raw.slice(valueStart).trim(), valueStart };
  }
  return { kind: "other", raw, eol };
}

/**
 * Parses a shared credentials file into a lossless line model: every line keeps
 * its text and its own terminator (LF, CRLF or none at the end), a leading BOM is
 * remembered. Never throws; unrecognised lines are kept as "other".
 * @public
 */
export function parseIni(text: string): IniDocument {
  const bom = text.charCodeAt(0) === 0xfeff;
  const body = bom ? text.slice(1) : text;
  const lines: IniLine[] = [];
  let pos = 0;
  while (pos < body.length) {
    const nl = body.indexOf("\n", pos);
    if (nl === -1) {
      lines.push(classify(body.slice(pos), ""));
      break;
    }
    const crlf = nl > pos && body[nl - 1] === "\r";
    lines.push(classify(body.slice(pos, crlf ? nl - 1 : nl), crlf ? "\r\n" : "\n"));
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
 * Maps (so names such as `__proto__` are plain data).
 * @public
 */
export function readProfiles(doc: IniDocument): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const l of doc.lines) {
    if (l.kind === "section") {
      current = out.has(l.name) ? undefined : new Map();
      if (current) out.set(l.name, current);
    } else if (l.kind === "entry" && current) {
      current.set(l.key.toLowerCase(), l.value);
    }
  }
  return out;
}

function checkInputs(profile: string, values: ProfileCredentials): void {
  if (profile === "" || /[[\]\r\n]/.test(profile) || profile.trim() !== profile) {
    throw new ConfigError(`profile name ${JSON.stringify(profile)}: not usable as a credentials file section`, {
      hint: "use a name without brackets, line breaks or surrounding spaces, e.g. --profile default",
    });
  }
  for (const k of KEYS) {
    const v = values[k];
    if (typeof v !== "string" || v === "" || /[\r\n]/.test(v) || v.trim() !== v) {
      throw new ConfigError(`credentials for the file: ${k} is empty or holds a line break or surrounding spaces`, {
        hint: "this is a bug in the credential source; report it",
      });
    }
  }
}

/** The file's last line has no terminator (so the patched file's last line gets none either). */
function endsUnterminated(doc: IniDocument): boolean {
  return doc.lines.length > 0 && doc.lines[doc.lines.length - 1]!.eol === "";
}

/**
 * Sets aws_access_key_id, aws_secret_access_key and aws_session_token in the
 * FIRST section named `profile` and changes nothing else. Existing lines of those
 * keys (matched case-insensitively, every occurrence) keep their place, spelling
 * and spacing and get the new value. Missing keys are appended after the
 * section's last entry (or, with no entry, its last non-blank line), so blank
 * lines and the comments introducing the next section stay where they were.
 * A missing section is appended at the end, after one blank line. New lines use
 * the file's dominant terminator; a file that ended without a line break still
 * does. No other key (such as aws_expiration) is added.
 * Pure: returns a new document.
 * @public
 */
export function patchProfile(doc: IniDocument, profile: string, values: ProfileCredentials): IniPatch {
  checkInputs(profile, values);
  const eol = dominantEol(doc);
  const lines = doc.lines.slice();
  const start = lines.findIndex((l) => l.kind === "section" && l.name === profile);
  const fresh = (raw: string): IniLine => classify(raw, eol);
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
    lines.push(fresh(`[${profile}]`), ...KEYS.map((k) => fresh(`${k} = ${values[k]}`)));
    if (endsUnterminated(doc)) lines[lines.length - 1] = { ...lines[lines.length - 1]!, eol: "" };
    return { doc: { bom: doc.bom, lines }, replaced: [], added: [...KEYS], createdSection: true };
  }

  let end = lines.findIndex((l, i) => i > start && l.kind === "section");
  if (end === -1) end = lines.length;
  const replaced: string[] = [];
  let lastEntry = -1;
  let lastNonBlank = start;
  for (let i = start + 1; i < end; i++) {
    const l = lines[i]!;
    if (l.kind !== "blank") lastNonBlank = i;
    if (l.kind !== "entry") continue;
    lastEntry = i;
    const k = KEYS.find((key) => key === l.key.toLowerCase());
    if (!k) continue;
    const raw = l.raw.slice(0, l.valueStart) + values[k];
    lines[i] = { ...l, raw, value: values[k] };
    if (!replaced.includes(k)) replaced.push(k);
  }
  const added = KEYS.filter((k) => !replaced.includes(k));
  if (added.length > 0) {
    const at = (lastEntry !== -1 ? lastEntry : lastNonBlank) + 1;
    terminate(at - 1);
    const extra = added.map((k) => fresh(`${k} = ${values[k]}`));
    if (at === lines.length && endsUnterminated(doc)) extra[extra.length - 1] = { ...extra[extra.length - 1]!, eol: "" };
    lines.splice(at, 0, ...extra);
  }
  return { doc: { bom: doc.bom, lines }, replaced, added, createdSection: false };
}
