# bash completion for afetch                            -*- shell-script -*-
# Installed as share/bash-completion/completions/afetch. Options and values
# follow cli_usage() in src/cli/args.c.

_afetch()
{
  local cur prev words cword split=false
  if declare -F _init_completion >/dev/null 2>&1; then
    _init_completion -s || return
  else
    COMPREPLY=()
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD - 1]}
    # --opt=value without bash-completion's helpers: readline splits at '='
    # (it is in COMP_WORDBREAKS), so the words are "--opt" "=" "value".
    if [[ $cur == = ]]; then
      cur=
      split=true
    elif [[ $prev == = && $COMP_CWORD -ge 2 ]]; then
      prev=${COMP_WORDS[COMP_CWORD - 2]}
      split=true
    elif [[ $cur == --*=* ]]; then
      prev=${cur%%=*}
      cur=${cur#*=}
      split=true
    fi
  fi

  case $prev in
    --order)
      mapfile -t COMPREPLY < <(compgen -W 'completion input' -- "$cur")
      return
      ;;
    --color)
      mapfile -t COMPREPLY < <(compgen -W 'auto never always' -- "$cur")
      return
      ;;
    --default-scheme)
      mapfile -t COMPREPLY < <(compgen -W 'http https' -- "$cur")
      return
      ;;
    --save-dir | --capath)
      if declare -F _filedir >/dev/null 2>&1; then
        _filedir -d
      else
        mapfile -t COMPREPLY < <(compgen -d -- "$cur")
      fi
      return
      ;;
    -o | --output | --cacert | --resume)
      if declare -F _filedir >/dev/null 2>&1; then
        _filedir
      else
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      fi
      return
      ;;
    --host-log)
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      return
      ;;
    --waterfall)
      if declare -F _filedir >/dev/null 2>&1; then
        _filedir svg
      else
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      fi
      return
      ;;
    --redo)
      # A comma list: complete its last name, keeping the ones before.
      local pre=${cur%"${cur##*,}"}
      mapfile -t COMPREPLY < <(compgen -P "$pre" -W "all invalid_url scheme dns connect tls
        timeout redirects protocol recv resource other cancelled host_skipped" \
        -- "${cur##*,}")
      return
      ;;
    -c | --concurrency | --per-host | --rate | --retries | --shard | \
      --host-delay | --max-retry-after | --max-host-errors | \
      --timeout | --connect-timeout | --max-redirs | --max-size | \
      --snippet-len | -A | --user-agent | -H | --header | -x | --proxy | \
      --noproxy | --resolve | --dns-rate)
      # A free-form value: nothing sensible to offer.
      return
      ;;
  esac
  $split && return

  if [[ $cur == -* ]]; then
    local opts='-s --sequential --compare --plan -c --concurrency --per-host --rate
      --retries --host-delay --max-retry-after --max-host-errors --robots
      --host-log
      --shard --timeout --connect-timeout --max-redirs --no-follow
      -A --user-agent -H --header -k --insecure --cacert --capath -x --proxy
      --noproxy --resolve --dns-rate --http1.1 --http2 -I --head-only --save-dir
      --max-size --default-scheme -o --output --resume --redo --json --order
      --snippet-len -q --quiet
      --no-summary --progress --no-progress --color --waterfall --fail
      -h --help -V --version'
    mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
    return
  fi

  # Input files ('-' is stdin).
  if declare -F _filedir >/dev/null 2>&1; then
    _filedir
  else
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
  fi
} &&
  complete -F _afetch afetch

# ex: filetype=sh
