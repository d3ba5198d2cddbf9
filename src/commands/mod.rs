//! One module per subcommand: each takes resolved settings and does the work.

pub mod build;
pub mod config;
pub mod down;
pub mod engine;
pub mod images;
pub mod lifecycle;
pub mod logs;
pub mod ps;
pub mod pull;
pub mod push;
pub mod up;
pub mod version;
