//! The Docker Engine side: connection, resources, containers and their states. The engine
//! never parses YAML; it receives the typed project.

pub mod client;
pub mod containers;
pub mod error;
pub mod exec;
pub mod labels;
pub mod logs;
pub mod ops;
pub mod probe;
pub mod project;
pub mod resources;
pub mod spec;
pub mod stream;
pub mod watch;
