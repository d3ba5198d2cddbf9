//! One module per subcommand: each takes resolved settings and does the work.

pub mod config;
pub mod version;
