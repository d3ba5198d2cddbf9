//! What hoist shows people: progress events and their renderers, tables.

pub mod event;
pub mod progress;
pub mod table;
