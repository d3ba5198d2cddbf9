//! `hoist completion bash|zsh|fish`: clap_complete's script for every command and flag,
//! plus service names completed from the current project.
//!
//! Static scripts cannot know the services, so each script gets a small addition that asks
//! hoist: `hoist __complete-services -- WORDS...` prints the service names of the project
//! the typed words select (their `-f`, `-p`, `--project-directory`, `--env-file` and
//! `--profile` are honoured), and nothing when no project loads. Loading takes a few
//! milliseconds and needs no Docker daemon, so completing on every TAB is cheap.
//! Commands whose positional arguments are services complete them; `cp` completes
//! `SERVICE:` and `scale` `SERVICE=`.

use std::path::Path;

use clap::CommandFactory;

use crate::cli::{Cli, CompleteServicesArgs, GlobalArgs, Shell};
use crate::compose::environment::Environment;
use crate::compose::load;

/// The completion script for `shell`.
pub fn script(shell: Shell) -> String {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    let generator = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    clap_complete::generate(generator, &mut cmd, "hoist", &mut out);
    let base = String::from_utf8_lossy(&out).to_string();
    let services = service_commands();
    match shell {
        Shell::Bash => base + &bash_extra(&services, &value_options()),
        Shell::Zsh => zsh(&base),
        Shell::Fish => base + &fish_extra(&services),
    }
}

/// The subcommands whose positional arguments are service names.
fn service_commands() -> Vec<String> {
    Cli::command()
        .get_subcommands()
        .filter(|sub| !sub.is_hide_set())
        .filter(|sub| {
            sub.get_positionals().any(|a| {
                a.get_value_names()
                    .is_some_and(|names| names.iter().any(|n| n.as_str() == "SERVICE"))
            })
        })
        .map(|sub| sub.get_name().to_string())
        .collect()
}

/// Every flag that takes a value (after it, bash completes the value, not a service).
fn value_options() -> Vec<String> {
    let mut opts = Vec::new();
    let root = Cli::command();
    let commands = std::iter::once(&root).chain(root.get_subcommands());
    for cmd in commands {
        for arg in cmd.get_arguments() {
            if arg.is_positional() || !arg.get_action().takes_values() {
                continue;
            }
            if let Some(l) = arg.get_long() {
                opts.push(format!("--{l}"));
            }
            if let Some(s) = arg.get_short() {
                opts.push(format!("-{s}"));
            }
        }
    }
    opts.sort();
    opts.dedup();
    opts
}

fn bash_extra(services: &[String], value_opts: &[String]) -> String {
    format!(
        r#"
# Service names, from `hoist __complete-services` (the words typed so far select the project).
_hoist_services() {{
    hoist __complete-services -- "${{COMP_WORDS[@]:1:COMP_CWORD-1}}" 2>/dev/null
}}

_hoist_with_services() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    local i sub=""
    for ((i = 1; i < COMP_CWORD; i++)); do
        case " {commands} cp scale " in
            *" ${{COMP_WORDS[i]}} "*) sub="${{COMP_WORDS[i]}}"; break ;;
        esac
    done
    if [[ -n "$sub" && "$cur" != -* ]]; then
        case " {value_opts} " in
            *" $prev "*) ;;
            *)
                case "$sub" in
                    cp)
                        if [[ "$cur" != */* && "$cur" != .* && "$cur" != *:* ]]; then
                            COMPREPLY=($(compgen -S : -W "$(_hoist_services)" -- "$cur"))
                            COMPREPLY+=($(compgen -f -- "$cur"))
                            compopt -o nospace 2>/dev/null
                            return 0
                        fi
                        ;;
                    scale)
                        COMPREPLY=($(compgen -S = -W "$(_hoist_services)" -- "$cur"))
                        compopt -o nospace 2>/dev/null
                        return 0
                        ;;
                    *)
                        COMPREPLY=($(compgen -W "$(_hoist_services)" -- "$cur"))
                        return 0
                        ;;
                esac
                ;;
        esac
    fi
    _hoist "$@"
}}

if [[ "${{BASH_VERSINFO[0]}}" -eq 4 && "${{BASH_VERSINFO[1]}}" -ge 4 || "${{BASH_VERSINFO[0]}}" -gt 4 ]]; then
    complete -F _hoist_with_services -o nosort -o bashdefault -o default hoist
else
    complete -F _hoist_with_services -o bashdefault -o default hoist
fi
"#,
        commands = services.join(" "),
        value_opts = value_opts.join(" "),
    )
}

/// clap_complete's zsh script with service arguments completed by helpers that ask hoist:
/// `SERVICE` arguments and flag values, `scale`'s `SERVICE=` and `cp`'s `SERVICE:`.
fn zsh(base: &str) -> String {
    let helper = r#"
# Service names, from `hoist __complete-services` (the words typed so far select the project).
(( $+functions[_hoist_service_names] )) ||
_hoist_service_names() {
    local -a typed
    typed=(${(z)LBUFFER})
    hoist __complete-services -- ${typed[2,-1]} 2>/dev/null
}
(( $+functions[_hoist_services] )) ||
_hoist_services() {
    local -a services
    services=(${(f)"$(_hoist_service_names)"})
    _describe -t services 'service' services
}
(( $+functions[_hoist_scale_pairs] )) ||
_hoist_scale_pairs() {
    local -a services
    services=(${(f)"$(_hoist_service_names)"})
    compadd -S '=' -a services
}
(( $+functions[_hoist_cp_paths] )) ||
_hoist_cp_paths() {
    local -a services
    services=(${(f)"$(_hoist_service_names)"})
    compadd -S ':' -a services
    _files
}

"#;
    let mut out = String::new();
    for line in base.lines() {
        let line = if line.contains("::services -- ")
            || line.starts_with("':service -- ")
            || line.contains(":SERVICE:_default'")
        {
            line.replace(":_default'", ":_hoist_services'")
        } else if line.starts_with("'*::replicas -- ") {
            line.replace(":_default'", ":_hoist_scale_pairs'")
        } else if line.starts_with("':source -- ") || line.starts_with("':destination -- ") {
            line.replace(":_default'", ":_hoist_cp_paths'")
        } else {
            line.to_string()
        };
        out.push_str(&line);
        out.push('\n');
    }
    // The helpers go before the script's last statement (`_hoist "$@"` or `compdef`).
    match out.rfind("\nif [ \"$funcstack[1]\" = \"_hoist\" ]") {
        Some(pos) => {
            out.insert_str(pos + 1, helper.trim_start());
            out
        }
        None => out + helper,
    }
}

fn fish_extra(services: &[String]) -> String {
    format!(
        r#"
# Service names, from `hoist __complete-services` (the words typed so far select the project).
complete -c hoist -n "__fish_seen_subcommand_from {commands}" -f -a "(hoist __complete-services -- (commandline -opc)[2..-1] 2>/dev/null)"
complete -c hoist -n "__fish_seen_subcommand_from scale" -f -a "(hoist __complete-services -- (commandline -opc)[2..-1] 2>/dev/null | string replace -r '\$' '=')"
complete -c hoist -n "__fish_seen_subcommand_from cp" -a "(hoist __complete-services -- (commandline -opc)[2..-1] 2>/dev/null | string replace -r '\$' ':')"
"#,
        commands = services.join(" ")
    )
}

/// `hoist __complete-services`: the project's service names (profiles' ones too), one per
/// line; nothing when the project does not load (completion must never print errors).
pub fn services(args: &CompleteServicesArgs) -> String {
    let global = global_flags(&args.words);
    let Ok(cwd) = std::env::current_dir() else {
        return String::new();
    };
    list_services(&global, &cwd).unwrap_or_default()
}

fn list_services(global: &GlobalArgs, cwd: &Path) -> Option<String> {
    let mut warnings = Vec::new();
    let opts =
        crate::options::resolve(global, Environment::from_process(), cwd, &mut warnings).ok()?;
    let loaded = load::load(&opts, &mut warnings).ok()?;
    let mut names = super::config::keys(&loaded.document, "services");
    names.extend(loaded.disabled.keys().cloned());
    names.sort();
    names.dedup();
    Some(names.into_iter().map(|n| n + "\n").collect())
}

/// The global flags that choose the project, read from the words typed so far. `-f` and
/// `-p` are global only before the command (`logs -f` follows, `run -p` publishes); the
/// long forms count anywhere, as clap takes them.
fn global_flags(words: &[String]) -> GlobalArgs {
    let mut global = GlobalArgs::default();
    let mut before_command = true;
    let mut i = 0;
    while i < words.len() {
        let word = &words[i];
        let (flag, inline) = match word.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (word.as_str(), None),
        };
        let takes = match flag {
            "-f" | "-p" => before_command,
            "--file"
            | "--project-name"
            | "--project-directory"
            | "--env-file"
            | "--profile"
            | "--progress"
            | "--parallel"
            | "--ansi" => true,
            _ => false,
        };
        if !takes {
            if !word.starts_with('-') {
                before_command = false;
            }
            i += 1;
            continue;
        }
        let value = match inline {
            Some(v) => v,
            None => {
                i += 1;
                match words.get(i) {
                    Some(v) => v.clone(),
                    None => break,
                }
            }
        };
        match flag {
            "-f" | "--file" => global.file.push(value),
            "-p" | "--project-name" => global.project_name = Some(value),
            "--project-directory" => global.project_directory = Some(value.into()),
            "--env-file" => global.env_file.push(value.into()),
            "--profile" => global.profile.push(value),
            // Output flags: their value is not the command.
            _ => {}
        }
        i += 1;
    }
    global
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn project_flags_are_read_from_the_typed_words() {
        let g = global_flags(&words(
            "-f a.yaml --file=b.yaml -p demo --profile dev logs --tail 5",
        ));
        assert_eq!(g.file, vec!["a.yaml", "b.yaml"]);
        assert_eq!(g.project_name.as_deref(), Some("demo"));
        assert_eq!(g.profile, vec!["dev"]);
    }

    #[test]
    fn short_flags_after_the_command_are_the_commands_own() {
        // `logs -f` follows, `run -p` publishes: neither names a file or a project.
        let g = global_flags(&words("-f a.yaml logs -f web"));
        assert_eq!(g.file, vec!["a.yaml"]);
        let g = global_flags(&words("run -p 80:80 web"));
        assert_eq!(g.project_name, None);
        // The value of an output flag before the command is not the command.
        let g = global_flags(&words("--progress plain -f x.yaml logs"));
        assert_eq!(g.file, vec!["x.yaml"]);
        // The long forms count anywhere.
        let g = global_flags(&words("logs --project-name demo web"));
        assert_eq!(g.project_name.as_deref(), Some("demo"));
    }

    #[test]
    fn the_service_commands_include_the_day_two_ones() {
        let cmds = service_commands();
        for c in [
            "up", "logs", "top", "pause", "port", "wait", "events", "create",
        ] {
            assert!(cmds.iter().any(|x| x == c), "{c} missing from {cmds:?}");
        }
        assert!(!cmds.iter().any(|x| x == "ls"));
    }
}
