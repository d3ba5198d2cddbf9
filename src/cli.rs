//! The command line, as typed: Docker Compose's global flags (with their environment
//! variables) and the subcommands. Nothing here reads files; `options` turns these raw flags
//! into settings.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// hoist: run Compose stacks. Reads the same compose.yaml files as Docker Compose.
#[derive(Debug, Parser)]
#[command(name = "hoist", version, about, long_about = None)]
pub struct Cli {
    /// Compose configuration file (repeatable; same as --file).
    #[arg(short = 'f', value_name = "FILE")]
    pub file_short: Vec<String>,

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
    ///
    /// `-f` goes before the command (`hoist -f a.yaml up`), since `logs -f` and `rm -f`
    /// have their own meaning; `--file` works anywhere.
    #[arg(long = "file", global = true, value_name = "FILE")]
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
    /// Create and start containers (networks and volumes first, services in dependency order).
    Up(UpArgs),
    /// Stop and remove containers and networks (and volumes with -v).
    Down(DownArgs),
    /// List the project's containers.
    Ps(PsArgs),
    /// Show the containers' output.
    Logs(LogsArgs),
    /// Start existing containers.
    Start(ServicesTimeoutArgs),
    /// Stop running containers without removing them.
    Stop(ServicesTimeoutArgs),
    /// Restart containers.
    Restart(ServicesTimeoutArgs),
    /// Remove stopped containers.
    Rm(RmArgs),
    /// Send a signal to running containers.
    Kill(KillArgs),
    /// Parse, resolve and render the compose files in canonical form.
    Config(ConfigArgs),
    /// Show hoist's version.
    Version(VersionArgs),
    /// Write a bundled stack (airflow, mongo, minio) into a directory, ready for `up`.
    Init(InitArgs),
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

/// `hoist init`.
#[derive(Debug, Args, Default)]
pub struct InitArgs {
    /// The stack to write (`hoist init --list` shows them).
    #[arg(value_name = "STACK")]
    pub stack: Option<String>,
    /// Where to write it (default: ./STACK). Created if missing.
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// List the bundled stacks.
    #[arg(long, conflicts_with_all = ["stack", "dir", "force"])]
    pub list: bool,
    /// Overwrite files that already exist.
    #[arg(long)]
    pub force: bool,
}

/// `hoist up`.
#[derive(Debug, Args, Default, Clone)]
pub struct UpArgs {
    /// Services to start (with their dependencies); all when none are named.
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
    /// Detached mode: start the containers and return.
    #[arg(short = 'd', long)]
    pub detach: bool,
    /// Wait for services to be running or healthy (implies detached mode).
    #[arg(long)]
    pub wait: bool,
    /// Give up waiting after this many seconds (with --wait).
    #[arg(long, value_name = "SECONDS")]
    pub wait_timeout: Option<u64>,
    /// Don't start the services the named services depend on.
    #[arg(long)]
    pub no_deps: bool,
    /// Recreate containers even if their configuration and image haven't changed.
    #[arg(long, conflicts_with = "no_recreate")]
    pub force_recreate: bool,
    /// Never recreate existing containers.
    #[arg(long)]
    pub no_recreate: bool,
    /// Create containers but don't start them.
    #[arg(long)]
    pub no_start: bool,
    /// Remove containers of services no longer in the compose files.
    #[arg(long)]
    pub remove_orphans: bool,
    /// Recreate anonymous volumes instead of reusing the previous containers' data.
    #[arg(short = 'V', long)]
    pub renew_anon_volumes: bool,
    /// Scale SERVICE to NUM instances (overrides `scale` in the file); repeatable.
    #[arg(long, value_name = "SERVICE=NUM")]
    pub scale: Vec<String>,
    /// Seconds to wait for containers to stop when shutting down.
    #[arg(short = 't', long, value_name = "SECONDS")]
    pub timeout: Option<i32>,
    /// Show timestamps in the attached logs.
    #[arg(long)]
    pub timestamps: bool,
    /// Stop all containers if any container stops (attached mode).
    #[arg(long)]
    pub abort_on_container_exit: bool,
    /// Stop all containers if any container exits with a non-zero code (attached mode).
    #[arg(long)]
    pub abort_on_container_failure: bool,
    /// Return the exit code of this service's container (implies --abort-on-container-exit).
    #[arg(long, value_name = "SERVICE")]
    pub exit_code_from: Option<String>,
    /// Attach to these services' output only (repeatable).
    #[arg(long, value_name = "SERVICE")]
    pub attach: Vec<String>,
    /// Don't attach to these services' output (repeatable).
    #[arg(long, value_name = "SERVICE")]
    pub no_attach: Vec<String>,
}

/// `hoist down`.
#[derive(Debug, Args, Default, Clone)]
pub struct DownArgs {
    /// Also remove named volumes declared in the file and anonymous volumes of containers.
    #[arg(short = 'v', long)]
    pub volumes: bool,
    /// Remove containers of services no longer in the compose files.
    #[arg(long)]
    pub remove_orphans: bool,
    /// Seconds to wait for containers to stop.
    #[arg(short = 't', long, value_name = "SECONDS")]
    pub timeout: Option<i32>,
    /// Remove images used by services: `local` (without a custom tag) or `all`.
    #[arg(long, value_name = "TYPE", value_parser = ["local", "all"])]
    pub rmi: Option<String>,
}

/// Output format of `ps`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum TableFormat {
    #[default]
    Table,
    Json,
}

/// `hoist ps`.
#[derive(Debug, Args, Default, Clone)]
pub struct PsArgs {
    /// Services to list; all when none are named.
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
    /// Show stopped containers too.
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Only print container IDs.
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Print the service names, one per line.
    #[arg(long = "services")]
    pub services_only: bool,
    /// Only containers in this state (repeatable): created, restarting, running, removing,
    /// paused, exited, dead.
    #[arg(long, value_name = "STATUS")]
    pub status: Vec<String>,
    /// Filter: `status=running` (Compose supports only status).
    #[arg(long, value_name = "FILTER")]
    pub filter: Option<String>,
    /// Output format: table or json (one JSON object per line).
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    pub format: TableFormat,
}

/// Service arguments plus a stop timeout (`start`, `stop`, `restart`).
#[derive(Debug, Args, Default, Clone)]
pub struct ServicesTimeoutArgs {
    /// Services; all when none are named.
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
    /// Seconds to wait for containers to stop.
    #[arg(short = 't', long, value_name = "SECONDS")]
    pub timeout: Option<i32>,
    /// Don't act on the services the named services depend on.
    #[arg(long)]
    pub no_deps: bool,
}

/// `hoist rm`.
#[derive(Debug, Args, Default, Clone)]
pub struct RmArgs {
    /// Services; all when none are named.
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
    /// Don't ask for confirmation (hoist never asks; accepted for compatibility).
    #[arg(short = 'f', long)]
    pub force: bool,
    /// Stop the containers first if they are running.
    #[arg(short = 's', long)]
    pub stop: bool,
    /// Remove anonymous volumes attached to the containers.
    #[arg(short = 'v', long)]
    pub volumes: bool,
}

/// `hoist kill`.
#[derive(Debug, Args, Default, Clone)]
pub struct KillArgs {
    /// Services; all when none are named.
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
    /// The signal to send.
    #[arg(short = 's', long, default_value = "SIGKILL")]
    pub signal: String,
    /// Remove containers of services no longer in the compose files.
    #[arg(long)]
    pub remove_orphans: bool,
}

/// `hoist logs`.
#[derive(Debug, Args, Default, Clone)]
pub struct LogsArgs {
    /// Services; all when none are named.
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
    /// Follow the output (also of containers that restart or start later).
    #[arg(short = 'f', long)]
    pub follow: bool,
    /// Number of lines from the end of each container's log (`all` for everything).
    #[arg(short = 'n', long, default_value = "all", value_name = "N")]
    pub tail: String,
    /// Show timestamps.
    #[arg(short = 't', long)]
    pub timestamps: bool,
    /// Only lines since this time: a duration ago (`10m`, `1h30m`) or a Unix timestamp.
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// Only lines before this time: a duration ago or a Unix timestamp.
    #[arg(long, value_name = "WHEN")]
    pub until: Option<String>,
    /// Print without colours.
    #[arg(long)]
    pub no_color: bool,
    /// Print without the `name | ` prefix.
    #[arg(long)]
    pub no_log_prefix: bool,
}

impl Cli {
    /// Parses the command line; `-f` files join the `--file` ones.
    pub fn parse_args() -> Cli {
        let mut cli = <Cli as Parser>::parse();
        let mut files = std::mem::take(&mut cli.file_short);
        files.append(&mut cli.global.file);
        cli.global.file = files;
        cli
    }
}
