//! One module per subcommand: each takes resolved settings and does the work.

pub mod attach;
pub mod build;
pub mod completion;
pub mod config;
pub mod cp;
pub mod create;
pub mod down;
pub mod engine;
pub mod events;
pub mod exec;
pub mod images;
pub mod interrupt;
pub mod lifecycle;
pub mod logs;
pub mod ls;
pub mod pause;
pub mod port;
pub mod ps;
pub mod pull;
pub mod push;
pub mod run;
pub mod scale;
pub mod top;
pub mod up;
pub mod version;
pub mod wait;
