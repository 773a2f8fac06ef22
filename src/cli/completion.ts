/**
 * Shell completion scripts (bash, zsh), generated from the command tree so they never drift
 * from it: subcommands, their subcommands (config set-context), options and the resources of
 * get/describe. Pure: returns the script text.
 */
export interface CommandShape {
  name: string;
  options: string[];
  subcommands: CommandShape[];
  /** Words offered for the first argument (get jobs|runs|...). */
  words?: string[];
}

function caseArms(shape: CommandShape, indent: string): string {
  return shape.subcommands
    .map((sub) => {
      const words = [
        ...sub.subcommands.map((s) => s.name),
        ...(sub.words ?? []),
        ...sub.options,
      ].join(' ');
      return `${indent}${sub.name}) words="${words}" ;;`;
    })
    .join('\n');
}

export function bashCompletion(root: CommandShape): string {
  const top = [...root.subcommands.map((s) => s.name), ...root.options].join(' ');
  return `# bash completion for ${root.name}; load with: source <(${root.name} completion bash)
_${root.name}_complete() {
  local cur words sub i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  sub=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      -*) ;;
      *) sub="\${COMP_WORDS[i]}"; break ;;
    esac
  done
  case "$sub" in
    "") words="${top}" ;;
${caseArms(root, '    ')}
    *) words="" ;;
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _${root.name}_complete ${root.name}
`;
}

export function zshCompletion(root: CommandShape): string {
  const top = root.subcommands.map((s) => s.name).join(' ');
  return `#compdef ${root.name}
# zsh completion for ${root.name}; load with: source <(${root.name} completion zsh)
_${root.name}() {
  local -a words_
  local sub=\${words[2]}
  if (( CURRENT == 2 )); then
    words_=(${top} ${root.options.join(' ')})
  else
    case "$sub" in
${caseArms(root, '      ').replace(/words="([^"]*)"/g, 'words_=($1)')}
      *) words_=() ;;
    esac
  fi
  compadd -- $words_
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _${root.name} "$@"
else
  compdef _${root.name} ${root.name}
fi
`;
}
