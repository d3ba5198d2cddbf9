//! What to do: the dependency graph of services and the convergence of actual containers
//! towards the desired ones. The plan never calls the engine itself.

pub mod converge;
pub mod graph;
pub mod images;
pub mod oneoff;
