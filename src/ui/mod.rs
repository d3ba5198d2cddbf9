//! What hoist shows people: tables now; progress renderers come with the engine commands.

pub mod table;
