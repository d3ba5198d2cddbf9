//! The command line, as typed: Docker Compose's global flags (with their environment
//! variables) and the subcommands. Nothing here reads files; `options` turns these raw flags
//! into settings.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// hoist: run Compose stacks. Reads the same compose.yaml files as Docker Compose.
#[derive(Debug, Parser)]
#[command(name = "hoist", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Flags that apply to every command, as in `docker compose`.
#[derive(Debug, Args, Clone, Default)]
pub struct GlobalArgs {
    /// Compose configuration files (repeatable). Default: compose.yaml (or compose.yml,
    /// docker-compose.yml, docker-compose.yaml) in the current directory or a parent, plus
    /// its compose.override.* file. `COMPOSE_FILE` lists files separated by
    /// `COMPOSE_PATH_SEPARATOR` (default `:`).
    #[arg(short = 'f', long = "file", global = true, value_name = "FILE")]
    pub file: Vec<String>,

    /// Project name (`COMPOSE_PROJECT_NAME`). Default: `name:` in the file, else the project
    /// directory's name.
    #[arg(short = 'p', long = "project-name", global = true, value_name = "NAME")]
    pub project_name: Option<String>,

    /// Working directory of the project (default: the directory of the first compose file).
    #[arg(long = "project-directory", global = true, value_name = "DIR")]
    pub project_directory: Option<PathBuf>,

    /// Environment file used for interpolation instead of `<project dir>/.env` (repeatable;
    /// later files win; `COMPOSE_ENV_FILES` is a comma-separated list).
    #[arg(long = "env-file", global = true, value_name = "FILE")]
    pub env_file: Vec<PathBuf>,

    /// Enable a profile (repeatable; `COMPOSE_PROFILES` is a comma-separated list).
    #[arg(long = "profile", global = true, value_name = "PROFILE")]
    pub profile: Vec<String>,

    /// Progress output: auto, tty, plain, json or quiet.
    #[arg(
        long,
        global = true,
        value_enum,
        env = "COMPOSE_PROGRESS",
        value_name = "MODE"
    )]
    pub progress: Option<Progress>,

    /// When to use colours and control characters: never, always or auto.
    #[arg(
        long,
        global = true,
        value_enum,
        env = "COMPOSE_ANSI",
        value_name = "WHEN"
    )]
    pub ansi: Option<Ansi>,
}

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Progress {
    Auto,
    Tty,
    Plain,
    Json,
    Quiet,
}

/// When colours are used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Ansi {
    Never,
    Always,
    Auto,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse, resolve and render the compose files in canonical form.
    Config(ConfigArgs),
    /// Show hoist's version.
    Version(VersionArgs),
}

/// Output format of `config`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ConfigFormat {
    #[default]
    Yaml,
    Json,
}

/// `hoist config`: what Docker Compose would run, after every loader step.
#[derive(Debug, Args, Default)]
pub struct ConfigArgs {
    /// Services to keep (with their dependencies); all when none are named.
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,

    /// Output format: yaml or json.
    #[arg(long, value_enum, default_value_t = ConfigFormat::Yaml)]
    pub format: ConfigFormat,

    /// Only validate the configuration; print nothing.
    #[arg(short, long)]
    pub quiet: bool,

    /// Print the service names, one per line (dependencies first).
    #[arg(long = "services")]
    pub list_services: bool,

    /// Print the volume names, one per line.
    #[arg(long)]
    pub volumes: bool,

    /// Print the network names, one per line.
    #[arg(long)]
    pub networks: bool,

    /// Print the profile names, one per line.
    #[arg(long)]
    pub profiles: bool,

    /// Print the image names, one per line.
    #[arg(long)]
    pub images: bool,

    /// Print the config-hash of the named services (comma-separated), or of all with '*'.
    #[arg(long, value_name = "SERVICES")]
    pub hash: Option<String>,

    /// Print the variables the files use and their defaults.
    #[arg(long)]
    pub variables: bool,

    /// Print the environment used for interpolation.
    #[arg(long)]
    pub environment: bool,

    /// Don't interpolate environment variables.
    #[arg(long)]
    pub no_interpolate: bool,

    /// Don't normalize the compose model.
    #[arg(long)]
    pub no_normalize: bool,

    /// Don't make file paths absolute.
    #[arg(long)]
    pub no_path_resolution: bool,

    /// Don't check the model's consistency (may print an invalid model).
    #[arg(long)]
    pub no_consistency: bool,

    /// Don't fold services' env_file contents into their environment.
    #[arg(long)]
    pub no_env_resolution: bool,

    /// Write the output to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `hoist version`.
#[derive(Debug, Args, Default)]
pub struct VersionArgs {
    /// Print only the version number.
    #[arg(long)]
    pub short: bool,

    /// Output format: pretty or json. (No `-f`: that is the global `--file`.)
    #[arg(long, default_value = "pretty", value_parser = ["pretty", "json"])]
    pub format: String,
}
