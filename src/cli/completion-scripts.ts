/**
 * Shell completion scripts for bash, zsh, fish and PowerShell, generated from
 * the commands' flag specs. The scripts are static (no call back into the
 * program on every TAB, which would cost a Node.js start each time). Pure.
 */
import type { FlagSpec } from "./args.js";

export const COMPLETION_SHELLS = ["bash", "zsh", "fish", "powershell"] as const;
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

export interface CompletionCommand {
  name: string;
  describe: string;
  flags: readonly FlagSpec[];
}

/** The program names the scripts register for. */
const PROGRAMS = ["signing-helper", "aws_signing_helper"];

/** Value flags whose value is usually a path: complete file names after them. */
const PATH_FLAG = /(certificate|private-key|intermediates|file|config|out-dir|trust-anchor-cert|state|tls-cert|tls-key|ca-bundle|assertion)$/;

const visible = (flags: readonly FlagSpec[]) => flags.filter((f) => !f.hidden && !f.unsupported);
const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function bash(cmds: readonly CompletionCommand[]): string {
  const names = cmds.map((c) => c.name).join(" ");
  const cases = cmds.map((c) => `    ${c.name}) flags=${sq(visible(c.flags).map((f) => `--${f.name}`).join(" "))} ;;`).join("\n");
  // Choices per command and flag: two commands may give one flag name different choices (--format).
  const choices = new Map<string, readonly string[]>();
  const paths = new Set<string>();
  for (const c of cmds) {
    for (const f of visible(c.flags)) {
      if (f.choices) choices.set(`${c.name}:--${f.name}`, f.choices);
      else if (f.type === "string" && PATH_FLAG.test(f.name)) paths.add(`--${f.name}`);
    }
  }
  const choiceCases = [...choices].map(([n, v]) => `    ${n}) COMPREPLY=($(compgen -W ${sq(v.join(" "))} -- "$cur")); return ;;`).join("\n");
  return `# bash completion for ${PROGRAMS.join(" and ")}: source <(signing-helper completion bash)
_signing_helper() {
  local cur prev cmd flags
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  cmd="\${COMP_WORDS[1]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W ${sq(`${names} help version`)} -- "$cur"))
    return
  fi
  if [ "$cmd" = help ] && [ "$COMP_CWORD" -eq 2 ]; then
    COMPREPLY=($(compgen -W ${sq(names)} -- "$cur"))
    return
  fi
  case "$cmd:$prev" in
${choiceCases}
  esac
  case "$prev" in
    ${[...paths].join("|") || "--none-"}) COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  case "$cmd" in
${cases}
    *) flags='' ;;
  esac
  COMPREPLY=($(compgen -W "$flags --help" -- "$cur"))
}
complete -o default -F _signing_helper ${PROGRAMS.join(" ")}
`;
}

function zsh(cmds: readonly CompletionCommand[]): string {
  // zsh runs the bash function through its bashcompinit layer, so both shells
  // complete exactly the same words.
  return `# zsh completion for ${PROGRAMS.join(" and ")}: source <(signing-helper completion zsh)
autoload -U +X compinit && compinit
autoload -U +X bashcompinit && bashcompinit
${bash(cmds)}`;
}

function fish(cmds: readonly CompletionCommand[]): string {
  const esc = (s: string) => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
  const lines = [`# fish completion for ${PROGRAMS.join(" and ")}: signing-helper completion fish | source`];
  const all = cmds.map((c) => c.name).join(" ");
  for (const p of PROGRAMS) {
    lines.push(`complete -c ${p} -f`);
    for (const c of cmds) lines.push(`complete -c ${p} -n "not __fish_seen_subcommand_from ${all} help version" -a ${c.name} -d ${esc(c.describe)}`);
    lines.push(`complete -c ${p} -n "not __fish_seen_subcommand_from ${all} help version" -a help -d 'Show the commands or a command\\'s help'`);
    lines.push(`complete -c ${p} -n "not __fish_seen_subcommand_from ${all} help version" -a version -d 'Print the version'`);
    for (const c of cmds) {
      for (const f of visible(c.flags)) {
        let line = `complete -c ${p} -n "__fish_seen_subcommand_from ${c.name}" -l ${f.name}`;
        if (f.type !== "boolean") line += f.choices ? ` -x -a ${esc(f.choices.join(" "))}` : PATH_FLAG.test(f.name) ? " -r -F" : " -x";
        lines.push(`${line} -d ${esc(f.describe)}`);
      }
    }
  }
  return lines.join("\n") + "\n";
}

function powershell(cmds: readonly CompletionCommand[]): string {
  const ps = (s: string) => `'${s.replace(/'/g, "''")}'`;
  const table = cmds.map((c) => `    ${ps(c.name)} = @(${visible(c.flags).map((f) => ps(`--${f.name}`)).join(", ")})`).join("\n");
  return `# PowerShell completion for ${PROGRAMS.join(" and ")}: signing-helper completion powershell | Out-String | Invoke-Expression
$signingHelperFlags = @{
${table}
}
Register-ArgumentCompleter -Native -CommandName ${PROGRAMS.map(ps).join(", ")} -ScriptBlock {
  param($wordToComplete, $commandAst, $cursorPosition)
  $words = @($commandAst.CommandElements | ForEach-Object { $_.ToString() })
  if ($words.Count -le 1 -or ($words.Count -eq 2 -and $wordToComplete)) {
    $candidates = @($signingHelperFlags.Keys) + @('help', 'version')
  } else {
    $candidates = $signingHelperFlags[$words[1]] + @('--help')
  }
  $candidates | Where-Object { $_ -like "$wordToComplete*" } | Sort-Object | ForEach-Object {
    [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
  }
}
`;
}

/** The completion script for one shell. */
export function completionScript(shell: CompletionShell, cmds: readonly CompletionCommand[]): string {
  switch (shell) {
    case "bash":
      return bash(cmds);
    case "zsh":
      return zsh(cmds);
    case "fish":
      return fish(cmds);
    case "powershell":
      return powershell(cmds);
  }
}
