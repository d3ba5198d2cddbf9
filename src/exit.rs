//! The one place that maps errors to exit codes and prints them.

use std::fmt;

use crate::compose::error::LoadError;
use crate::engine::error::EngineError;

/// Every failure hoist reports. Each kind has its exit code.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The compose files or flags are wrong.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The Docker Engine refused or failed.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// `hoist init` could not write the stack.
    #[error(transparent)]
    Init(#[from] crate::commands::init::InitError),
    /// Writing output failed.
    #[error("writing {what}: {source}")]
    Output {
        what: String,
        #[source]
        source: std::io::Error,
    },
    /// The command line asked for something that cannot be done.
    #[error("{0}")]
    Usage(String),
}

impl Error {
    /// The process exit status for this error: 130 for Ctrl-C, 125 when no daemon answers
    /// (the docker CLI's code for daemon errors), 1 for everything else, as Compose.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Engine(EngineError::Interrupted) => 130,
            Error::Engine(EngineError::Unreachable { .. }) => 125,
            Error::Load(_)
            | Error::Engine(_)
            | Error::Init(_)
            | Error::Output { .. }
            | Error::Usage(_) => 1,
        }
    }
}

/// Writes the error and its causes as one `error:` line per link of the chain.
pub struct Report<'a>(pub &'a Error);

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", self.0)?;
        let mut source = std::error::Error::source(self.0);
        while let Some(cause) = source {
            write!(f, "\n  caused by: {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}
