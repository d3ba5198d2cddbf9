//! One module per subcommand: each takes resolved settings and does the work.

pub mod attach;
pub mod config;
pub mod down;
pub mod engine;
pub mod exec;
pub mod lifecycle;
pub mod logs;
pub mod ps;
pub mod run;
pub mod up;
pub mod version;
