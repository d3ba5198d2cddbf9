//! hoist: a Compose-file stack manager.
//!
//! The data flows one way: command-line arguments (`cli`) -> settings (`options`) -> compose
//! model (`compose`) -> commands. The compose model never talks to Docker.

pub mod cli;
pub mod commands;
pub mod compose;
pub mod engine;
pub mod exit;
pub mod options;
pub mod plan;
pub mod ui;

use std::io::Write;

use cli::{Cli, Command};
use compose::environment::Environment;
use exit::Error;

/// Parses the command line, runs the command and returns the process exit code.
pub fn main_with_exit_code() -> i32 {
    let cli = Cli::parse_args();
    let mut warnings = Vec::new();
    let result = run(&cli, &mut warnings);
    let (result, code) = match result {
        Ok((out, code)) => (Ok(out), code),
        Err(e) => (Err(e), 0),
    };
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    for w in &warnings {
        let _ = writeln!(err, "WARN {w}");
    }
    match result {
        Ok(out) => {
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (`hoist config | head`) is not a failure of hoist.
            let _ = stdout
                .write_all(out.as_bytes())
                .and_then(|_| stdout.flush());
            code
        }
        Err(e) => {
            let _ = writeln!(err, "{}", exit::Report(&e));
            e.exit_code()
        }
    }
}

/// Runs one command; returns what it prints on standard output and the exit status.
pub fn run(cli: &Cli, warnings: &mut Vec<String>) -> Result<(String, i32), Error> {
    match &cli.command {
        Command::Version(args) => Ok((commands::version::run(args), 0)),
        Command::Completion(args) => Ok((commands::completion::script(args.shell), 0)),
        Command::CompleteServices(args) => Ok((commands::completion::services(args), 0)),
        Command::Init(args) => {
            let cwd = std::env::current_dir()
                .map_err(|e| Error::Usage(format!("cannot read the current directory: {e}")))?;
            Ok((commands::init::run(args, &cwd)?, 0))
        }
        Command::Config(args) => {
            let cwd = std::env::current_dir()
                .map_err(|e| Error::Usage(format!("cannot read the current directory: {e}")))?;
            let opts = options::resolve(&cli.global, Environment::from_process(), &cwd, warnings)?;
            Ok((commands::config::run(args, opts, warnings)?, 0))
        }
        // The engine commands run on an async runtime; `config` stays without one (fast).
        _ => commands::engine::run(cli, warnings),
    }
}
