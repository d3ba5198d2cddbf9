//! The Docker Engine side: connection, resources, containers and their states. The engine
//! never parses YAML; it receives the typed project.

pub mod build_context;
pub mod client;
pub mod containers;
pub mod credentials;
pub mod dockerignore;
pub mod error;
pub mod exec;
pub mod images;
pub mod labels;
pub mod logs;
pub mod ops;
pub mod probe;
pub mod project;
pub mod reference;
pub mod resources;
pub mod spec;
pub mod stream;
pub mod watch;
