//! The Compose loader: from files on disk to the typed project, exactly as Docker Compose.
//!
//! The steps follow the data: `yaml` parses text into [`node::Node`] trees, `template` and
//! `interpolate` substitute variables, `extends` and `include` pull in other services and
//! files, `merge` folds several files into one, `schema` validates, `canonical` rewrites short
//! syntaxes into their long form, `normalize` fills defaults, and `model` is the typed result
//! that `config` prints and the engine consumes.

pub mod canonical;
pub mod consistency;
pub mod dotenv;
pub mod emit;
pub mod environment;
pub mod error;
pub mod extends;
pub mod gojson;
pub mod include;
pub mod interpolate;
pub mod load;
pub mod merge;
pub mod model;
pub mod node;
pub mod normalize;
pub mod paths;
pub mod schema;
pub mod template;
pub mod yaml;
