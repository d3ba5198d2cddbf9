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

    /// Project name (same as --project-name).
    #[arg(short = 'p', value_name = "NAME")]
    pub project_name_short: Option<String>,

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
    ///
    /// `-p` goes before `run` (whose `-p` publishes a port); `--project-name` works
    /// anywhere.
    #[arg(long = "project-name", global = true, value_name = "NAME")]
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

    /// How many pulls, pushes or builds run at once (`COMPOSE_PARALLEL_LIMIT`; -1 for no
    /// limit, the default).
    #[arg(
        long,
        global = true,
        env = "COMPOSE_PARALLEL_LIMIT",
        value_name = "N",
        allow_negative_numbers = true
    )]
    pub parallel: Option<i64>,

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
    /// Pull the services' images.
    Pull(PullArgs),
    /// Build the services' images.
    Build(BuildArgs),
    /// Push the services' images to their registries.
    Push(PushArgs),
    /// List the images used by the project's containers.
    Images(ImagesArgs),
    /// Parse, resolve and render the compose files in canonical form.
    Config(ConfigArgs),
    /// Show hoist's version.
    Version(VersionArgs),
    /// Execute a command in a running container.
    Exec(ExecArgs),
    /// Run a one-off command on a service.
    Run(RunArgs),
    /// Attach local standard input, output, and error streams to a service's running
    /// container.
    Attach(AttachArgs),
    /// Copy files/folders between a service container and the local filesystem.
    Cp(CpArgs),
    /// Display the running processes.
    Top(ServicesArgs),
    /// Print the public port for a port binding.
    Port(PortArgs),
    /// Receive real time events from containers.
    Events(EventsArgs),
    /// Block until containers of all (or specified) services stop.
    Wait(WaitArgs),
    /// List running compose projects.
    Ls(LsArgs),
    /// Pause services.
    Pause(ServicesArgs),
    /// Unpause services.
    Unpause(ServicesArgs),
    /// Creates containers for a service (`up --no-start`).
    Create(CreateArgs),
    /// Scale services.
    Scale(ScaleArgs),
    /// Print a shell completion script: bash, zsh or fish.
    Completion(CompletionArgs),
    /// The project's service names, one per line (called by the completion scripts).
    #[command(name = "__complete-services", hide = true)]
    CompleteServices(CompleteServicesArgs),
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
    /// Pull images before starting: `always`, `missing` or `never` (overrides `pull_policy`).
    #[arg(long, value_name = "POLICY", value_parser = ["always", "missing", "never"])]
    pub pull: Option<String>,
    /// Pull without per-layer progress.
    #[arg(long)]
    pub quiet_pull: bool,
    /// Build images before starting containers.
    #[arg(long, conflicts_with = "no_build")]
    pub build: bool,
    /// Don't build images, even when they are missing.
    #[arg(long)]
    pub no_build: bool,
    /// How health is established for `service_healthy` gates and `--wait`: `engine` (the
    /// engine's health status, as Docker Compose) or `probe` (hoist also runs each
    /// healthcheck test itself, early and often).
    #[arg(
        long,
        value_enum,
        env = "HOIST_READINESS",
        value_name = "MODE",
        default_value_t = Readiness::Engine
    )]
    pub readiness: Readiness,
}

impl UpArgs {
    /// True when `up` stays attached to the containers' output: it then owns Ctrl-C, and
    /// stops the stack on it.
    pub fn attaches(&self) -> bool {
        !self.detach && !self.wait && !self.no_start
    }
}

/// Where `up` learns that a service with a healthcheck is healthy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Readiness {
    /// The engine's health status (its first check runs one `interval` after start).
    #[default]
    Engine,
    /// hoist runs the healthcheck test itself from the moment the container starts; the
    /// engine's own verdict still counts if it comes first.
    Probe,
}

/// `hoist pull`.
#[derive(Debug, Args, Default, Clone)]
pub struct PullArgs {
    /// Services whose images to pull; all when none are named.
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
    /// Don't pull images of services that can be built.
    #[arg(long)]
    pub ignore_buildable: bool,
    /// Pull what can be pulled; failures become warnings.
    #[arg(long)]
    pub ignore_pull_failures: bool,
    /// Also pull the images of the services the named ones depend on.
    #[arg(long)]
    pub include_deps: bool,
    /// Pull policy: `missing` (only absent images) or `always`.
    #[arg(long, value_name = "POLICY", value_parser = ["missing", "always"])]
    pub policy: Option<String>,
    /// Show no progress.
    #[arg(short = 'q', long)]
    pub quiet: bool,
}

/// `hoist build`.
#[derive(Debug, Args, Default, Clone)]
pub struct BuildArgs {
    /// Services to build; all that have `build:` when none are named.
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
    /// A build argument `KEY=VALUE` (or `KEY`, taken from the environment); repeatable.
    #[arg(long, value_name = "KEY=VALUE")]
    pub build_arg: Vec<String>,
    /// Don't use the build cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Always pull newer versions of the base images.
    #[arg(long)]
    pub pull: bool,
    /// Push the images after building them.
    #[arg(long)]
    pub push: bool,
    /// Print no build output.
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Also build the services the named ones depend on.
    #[arg(long)]
    pub with_dependencies: bool,
}

/// `hoist push`.
#[derive(Debug, Args, Default, Clone)]
pub struct PushArgs {
    /// Services whose images to push; all with an `image:` when none are named.
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
    /// Push what can be pushed; failures become warnings.
    #[arg(long)]
    pub ignore_push_failures: bool,
    /// Also push the images of the services the named ones depend on.
    #[arg(long)]
    pub include_deps: bool,
    /// Show no progress.
    #[arg(short = 'q', long)]
    pub quiet: bool,
}

/// `hoist images`.
#[derive(Debug, Args, Default, Clone)]
pub struct ImagesArgs {
    /// Services; all when none are named.
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
    /// Only print image IDs.
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Output format: table or json.
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    pub format: TableFormat,
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
    /// Only lines since this time: a duration ago (`10m`, `1h30m`), an RFC 3339 time or a
    /// Unix timestamp.
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// Only lines before this time: a duration ago, an RFC 3339 time or a Unix timestamp.
    #[arg(long, value_name = "WHEN")]
    pub until: Option<String>,
    /// Print without colours.
    #[arg(long)]
    pub no_color: bool,
    /// Print without the `name | ` prefix.
    #[arg(long)]
    pub no_log_prefix: bool,
}

/// `hoist cp`.
#[derive(Debug, Args, Default, Clone)]
pub struct CpArgs {
    /// `SERVICE:SRC_PATH` (copy out of a container) or a local path (`-` reads a tar stream
    /// from standard input).
    #[arg(value_name = "SOURCE")]
    pub source: String,
    /// A local path (`-` writes a tar stream to standard output) or `SERVICE:DEST_PATH`.
    #[arg(value_name = "DESTINATION")]
    pub destination: String,
    /// Index of the container if the service has multiple replicas.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub index: u32,
    /// Include containers created by the run command.
    #[arg(long)]
    pub all: bool,
    /// Always follow symbolic links in SRC_PATH.
    #[arg(short = 'L', long)]
    pub follow_link: bool,
    /// Archive mode (copy all uid/gid information).
    #[arg(short = 'a', long)]
    pub archive: bool,
}

/// Commands that take only service names (`top`, `pause`, `unpause`).
#[derive(Debug, Args, Default, Clone)]
pub struct ServicesArgs {
    /// Services; all when none are named.
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
}

/// `hoist port`.
#[derive(Debug, Args, Default, Clone)]
pub struct PortArgs {
    /// The service.
    #[arg(value_name = "SERVICE")]
    pub service: String,
    /// The container port.
    #[arg(value_name = "PRIVATE_PORT")]
    pub private_port: u16,
    /// tcp or udp.
    #[arg(long, default_value = "tcp", value_name = "PROTOCOL")]
    pub protocol: String,
    /// Index of the container if the service has multiple replicas.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub index: u32,
}

/// `hoist events`.
#[derive(Debug, Args, Default, Clone)]
pub struct EventsArgs {
    /// Services; all when none are named.
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
    /// Output events as a stream of JSON objects.
    #[arg(long)]
    pub json: bool,
    /// Show all events created since this timestamp (Unix seconds, RFC 3339, or a duration ago).
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// Stream events until this timestamp.
    #[arg(long, value_name = "WHEN")]
    pub until: Option<String>,
}

/// `hoist wait`.
#[derive(Debug, Args, Default, Clone)]
pub struct WaitArgs {
    /// Services to wait for.
    #[arg(value_name = "SERVICE", required = true)]
    pub services: Vec<String>,
    /// Drop the project (as `down --remove-orphans`) once the containers have stopped.
    #[arg(long)]
    pub down_project: bool,
}

/// `hoist ls`.
#[derive(Debug, Args, Default, Clone)]
pub struct LsArgs {
    /// Show stopped projects too.
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Only display project names.
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Filter output based on conditions provided (`name=REGEX`; repeatable).
    #[arg(long, value_name = "FILTER")]
    pub filter: Vec<String>,
    /// Format the output: table or json.
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    pub format: TableFormat,
}

/// `hoist create`: the creation half of `up`.
#[derive(Debug, Args, Default, Clone)]
pub struct CreateArgs {
    /// Services to create (with their dependencies); all when none are named.
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
    /// Build images before creating containers.
    #[arg(long, conflicts_with = "no_build")]
    pub build: bool,
    /// Don't build an image, even if it's policy.
    #[arg(long)]
    pub no_build: bool,
    /// Pull image before creating: always, missing, never, build (build the image instead).
    #[arg(long, value_name = "POLICY", value_parser = ["always", "missing", "never", "build", "if_not_present"])]
    pub pull: Option<String>,
    /// Pull without printing progress information.
    #[arg(long)]
    pub quiet_pull: bool,
    /// Recreate containers even if their configuration and image haven't changed.
    #[arg(long, conflicts_with = "no_recreate")]
    pub force_recreate: bool,
    /// Never recreate existing containers.
    #[arg(long)]
    pub no_recreate: bool,
    /// Remove containers of services no longer in the compose files.
    #[arg(long)]
    pub remove_orphans: bool,
    /// Scale SERVICE to NUM instances (overrides `scale` in the file); repeatable.
    #[arg(long, value_name = "SERVICE=NUM")]
    pub scale: Vec<String>,
    /// Assume "yes" as answer to all prompts (hoist never asks).
    #[arg(short = 'y', long)]
    pub yes: bool,
}

/// `hoist scale`.
#[derive(Debug, Args, Default, Clone)]
pub struct ScaleArgs {
    /// `SERVICE=REPLICAS` pairs.
    #[arg(value_name = "SERVICE=REPLICAS", required = true)]
    pub replicas: Vec<String>,
    /// Don't start the services the named services depend on.
    #[arg(long)]
    pub no_deps: bool,
}

/// The shells `hoist completion` writes scripts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

/// `hoist completion`.
#[derive(Debug, Args, Clone)]
pub struct CompletionArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// `hoist __complete-services`: the words typed so far, from which the global flags that
/// choose the project (`-f`, `-p`, `--project-directory`, `--env-file`, `--profile`) are read.
#[derive(Debug, Args, Default, Clone)]
pub struct CompleteServicesArgs {
    /// The command line typed so far (without `hoist`).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub words: Vec<String>,
}

impl Cli {
    /// Parses the command line; `-f` files join the `--file` ones.
    pub fn parse_args() -> Cli {
        let mut cli =
            <Cli as Parser>::parse_from(project_flag_after_command(std::env::args_os().collect()));
        let mut files = std::mem::take(&mut cli.file_short);
        files.append(&mut cli.global.file);
        cli.global.file = files;
        if cli.global.project_name.is_none() {
            cli.global.project_name = cli.project_name_short.take();
        }
        cli
    }
}

/// Top-level flags that take a value (as the next argument unless written `--flag=value`).
const GLOBAL_FLAGS_WITH_VALUE: [&str; 9] = [
    "-f",
    "-p",
    "--file",
    "--project-name",
    "--project-directory",
    "--env-file",
    "--profile",
    "--progress",
    "--ansi",
];

/// `exec`'s flags that take a value.
const EXEC_FLAGS_WITH_VALUE: [&str; 7] =
    ["-e", "--env", "-u", "--user", "-w", "--workdir", "--index"];

/// `hoist ps -p NAME` keeps working as in Compose: after the command, `-p` is rewritten as
/// `--project-name` (which clap accepts anywhere). Not after `run`, whose `-p` publishes a
/// port, nor in `exec`'s command, which may have a `-p` of its own (`psql -p 5432`).
pub fn project_flag_after_command(args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let mut out = Vec::with_capacity(args.len());
    let mut iter = args.into_iter();
    out.extend(iter.next());
    // Before the command: copy, skipping the values of the global flags.
    let mut command = None;
    while let Some(arg) = iter.next() {
        let text = arg.to_string_lossy().into_owned();
        out.push(arg);
        if text == "--" {
            return out.into_iter().chain(iter).collect();
        }
        if GLOBAL_FLAGS_WITH_VALUE.contains(&text.as_str()) {
            out.extend(iter.next());
        } else if !text.starts_with('-') {
            command = Some(text);
            break;
        }
    }
    if matches!(command.as_deref(), None | Some("run")) {
        return out.into_iter().chain(iter).collect();
    }
    let exec = command.as_deref() == Some("exec");
    while let Some(arg) = iter.next() {
        let text = arg.to_string_lossy().into_owned();
        if text == "--" {
            out.push(arg);
            break;
        }
        if exec {
            // Only exec's own flags, before SERVICE: what follows is the command's.
            if EXEC_FLAGS_WITH_VALUE.contains(&text.as_str()) {
                out.push(arg);
                out.extend(iter.next());
                continue;
            }
            if !text.starts_with('-') {
                out.push(arg);
                break;
            }
        }
        match text.strip_prefix("-p") {
            Some("") => out.push("--project-name".into()),
            Some(rest) if !rest.starts_with('-') => {
                let value = rest.strip_prefix('=').unwrap_or(rest);
                out.push(format!("--project-name={value}").into());
            }
            _ => out.push(arg),
        }
    }
    out.extend(iter);
    out
}

/// `hoist exec`.
#[derive(Debug, Args, Default, Clone)]
pub struct ExecArgs {
    /// The service whose container runs the command.
    #[arg(value_name = "SERVICE")]
    pub service: String,
    /// The command and its arguments (everything after SERVICE belongs to it).
    #[arg(
        value_name = "COMMAND",
        required = true,
        num_args = 1..,
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub command: Vec<String>,
    /// Detached mode: run the command in the background.
    #[arg(short = 'd', long)]
    pub detach: bool,
    /// Set an environment variable (`KEY=VALUE`, or `KEY` to pass hoist's own value).
    #[arg(short = 'e', long = "env", value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// Index of the container if the service has several replicas (default: the first).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub index: u32,
    /// Give extended privileges to the process.
    #[arg(long)]
    pub privileged: bool,
    /// Run the command as this user.
    #[arg(short = 'u', long, value_name = "USER")]
    pub user: Option<String>,
    /// Disable pseudo-TTY allocation (default: a TTY when stdin and stdout are terminals).
    #[arg(short = 'T', long = "no-tty", visible_alias = "no-TTY")]
    pub no_tty: bool,
    /// Working directory of the command.
    #[arg(short = 'w', long, value_name = "DIR")]
    pub workdir: Option<String>,
    /// Keep STDIN open (default true; `--interactive=false` gives the command no input).
    #[arg(short = 'i', long, hide = true, action = clap::ArgAction::Set, num_args = 0..=1,
          require_equals = true, default_value = "true", default_missing_value = "true")]
    pub interactive: bool,
    /// Allocate a pseudo-TTY (the default when stdin and stdout are terminals).
    #[arg(short = 't', long, hide = true)]
    pub tty: bool,
}

/// `hoist run`.
#[derive(Debug, Args, Default, Clone)]
pub struct RunArgs {
    /// The service to run a one-off container of.
    #[arg(value_name = "SERVICE")]
    pub service: String,
    /// The command and its arguments (default: the service's command).
    #[arg(
        value_name = "COMMAND",
        num_args = 0..,
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub command: Vec<String>,
    /// Run the container in the background and print its ID.
    #[arg(short = 'd', long)]
    pub detach: bool,
    /// Set an environment variable (`KEY=VALUE`, or `KEY` to pass hoist's own value).
    #[arg(short = 'e', long = "env", value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// Set environment variables from a file (`KEY=VALUE` lines; `-e` wins).
    #[arg(long = "env-from-file", value_name = "FILE")]
    pub env_from_file: Vec<String>,
    /// Add or override a label (`KEY=VALUE`).
    #[arg(
        short = 'l',
        long = "label",
        visible_alias = "labels",
        value_name = "KEY=VALUE"
    )]
    pub label: Vec<String>,
    /// Remove the container when it exits.
    #[arg(long)]
    pub rm: bool,
    /// Disable pseudo-TTY allocation (default: a TTY when stdin and stdout are terminals).
    #[arg(short = 'T', long = "no-TTY", visible_alias = "no-tty")]
    pub no_tty: bool,
    /// Name the container (default: `<project>-<service>-run-<id>`).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Run as this user name or uid.
    #[arg(short = 'u', long, value_name = "USER")]
    pub user: Option<String>,
    /// Working directory inside the container.
    #[arg(short = 'w', long, value_name = "DIR")]
    pub workdir: Option<String>,
    /// Override the image's entrypoint (a command line, split like a shell would).
    #[arg(long, value_name = "COMMAND")]
    pub entrypoint: Option<String>,
    /// Add Linux capabilities.
    #[arg(long = "cap-add", value_name = "CAP")]
    pub cap_add: Vec<String>,
    /// Drop Linux capabilities.
    #[arg(long = "cap-drop", value_name = "CAP")]
    pub cap_drop: Vec<String>,
    /// Don't start the services the service depends on.
    #[arg(long)]
    pub no_deps: bool,
    /// Bind mount a volume (`SOURCE:TARGET[:ro]`, as in `volumes:`).
    #[arg(
        short = 'v',
        long = "volume",
        visible_alias = "volumes",
        value_name = "VOLUME"
    )]
    pub volume: Vec<String>,
    /// Publish a container's port(s) to the host (`[IP:]HOST:CONTAINER[/PROTO]`).
    #[arg(short = 'p', long = "publish", value_name = "PORT")]
    pub publish: Vec<String>,
    /// Use the service's network aliases in the networks the container joins.
    #[arg(long)]
    pub use_aliases: bool,
    /// Publish the service's `ports:` as `up` does (they are not published otherwise).
    #[arg(short = 'P', long)]
    pub service_ports: bool,
    /// Pull the image before running: always, missing, never, or policy (the service's
    /// `pull_policy`).
    #[arg(long, default_value = "policy", value_name = "POLICY", value_parser = ["policy", "always", "missing", "never"])]
    pub pull: String,
    /// Don't print anything to standard output.
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Suppress the build's progress output.
    #[arg(long)]
    pub quiet_build: bool,
    /// Pull without printing progress.
    #[arg(long)]
    pub quiet_pull: bool,
    /// Build the image before starting the container.
    #[arg(long)]
    pub build: bool,
    /// Remove containers of services no longer in the compose files.
    #[arg(long)]
    pub remove_orphans: bool,
    /// Keep STDIN open (default true; `--interactive=false` gives the command no input).
    #[arg(short = 'i', long, action = clap::ArgAction::Set, num_args = 0..=1,
          require_equals = true, default_value = "true", default_missing_value = "true")]
    pub interactive: bool,
    /// Allocate a pseudo-TTY (the default when stdin and stdout are terminals).
    #[arg(short = 't', long, hide = true)]
    pub tty: bool,
}

/// `hoist attach`.
#[derive(Debug, Args, Default, Clone)]
pub struct AttachArgs {
    /// The service whose container to attach to.
    #[arg(value_name = "SERVICE")]
    pub service: String,
    /// Index of the container if the service has several replicas (default: the first).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub index: u32,
    /// The key sequence that detaches (default: ctrl-p,ctrl-q).
    #[arg(long, value_name = "KEYS")]
    pub detach_keys: Option<String>,
    /// Don't attach standard input.
    #[arg(long)]
    pub no_stdin: bool,
    /// Pass Ctrl-C and other signals on to the container's process (default true).
    #[arg(long, action = clap::ArgAction::Set, num_args = 0..=1, require_equals = true,
          default_value = "true", default_missing_value = "true", value_name = "BOOL")]
    pub sig_proxy: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewrite(args: &[&str]) -> Vec<String> {
        project_flag_after_command(args.iter().map(Into::into).collect())
            .into_iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn project_flag_after_a_command_becomes_project_name() {
        assert_eq!(
            rewrite(&["hoist", "-f", "a.yaml", "ps", "-p", "x", "-a"]),
            ["hoist", "-f", "a.yaml", "ps", "--project-name", "x", "-a"]
        );
        assert_eq!(
            rewrite(&["hoist", "down", "-px", "-v", "-p=y"]),
            [
                "hoist",
                "down",
                "--project-name=x",
                "-v",
                "--project-name=y"
            ]
        );
    }

    #[test]
    fn run_and_exec_keep_their_own_p() {
        let run = ["hoist", "-p", "x", "run", "-p", "80:80", "web"];
        assert_eq!(rewrite(&run), run);
        let exec = ["hoist", "exec", "-e", "-p", "db", "psql", "-p", "5432"];
        assert_eq!(rewrite(&exec), exec);
        assert_eq!(
            rewrite(&["hoist", "exec", "-p", "x", "db", "psql", "-p", "5432"]),
            [
                "hoist",
                "exec",
                "--project-name",
                "x",
                "db",
                "psql",
                "-p",
                "5432"
            ]
        );
    }

    #[test]
    fn a_flag_value_named_like_a_command_is_not_the_command() {
        let args = ["hoist", "-p", "run", "ps", "-p", "x"];
        assert_eq!(
            rewrite(&args),
            ["hoist", "-p", "run", "ps", "--project-name", "x"]
        );
        let args = ["hoist", "config", "--", "-p"];
        assert_eq!(rewrite(&args), args);
    }

    #[test]
    fn the_rewritten_line_parses() {
        let args = rewrite(&["hoist", "ps", "-p", "x"]);
        let cli = <Cli as Parser>::try_parse_from(args).expect("parses");
        assert_eq!(cli.global.project_name.as_deref(), Some("x"));
        let cli = <Cli as Parser>::try_parse_from(["hoist", "-p", "y", "run", "-p", "80", "web"])
            .expect("parses");
        assert_eq!(cli.project_name_short.as_deref(), Some("y"));
        let Command::Run(run) = cli.command else {
            panic!("run")
        };
        assert_eq!(run.publish, ["80"]);
    }
}
