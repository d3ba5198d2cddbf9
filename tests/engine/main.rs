//! hoist against the real Docker Engine. Every test builds its own tiny project on the
//! busybox test image (built offline in `support`) and removes everything it created.

mod attached;
mod convergence;
mod day_two;
mod dependencies;
mod errors;
mod images;
mod interactive;
mod interop;
mod lifecycle;
mod output;
mod probe;
mod support;
