//! hoist: a Compose-file stack manager.
//!
//! The data flows one way: command-line arguments -> options -> compose model -> plan ->
//! engine -> ui. The compose model never talks to Docker; the engine never parses YAML.

pub mod compose;
