//! What hoist shows people: tables, progress of the engine commands, colours.

pub mod color;
pub mod event;
pub mod progress;
pub mod table;
pub mod terminal;
