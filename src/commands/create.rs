//! `hoist create`: `up --no-start` — the same convergence as `up` (networks, volumes,
//! containers created or recreated), nothing started.

use crate::cli::{CreateArgs, UpArgs};

/// The `up` flags `create` stands for. `--build`, `--no-build`, `--pull`, `--quiet-pull`
/// and `--yes` change nothing yet: hoist neither builds nor pulls, and never asks.
pub fn up_args(args: &CreateArgs) -> UpArgs {
    UpArgs {
        services: args.services.clone(),
        detach: true,
        no_start: true,
        force_recreate: args.force_recreate,
        no_recreate: args.no_recreate,
        remove_orphans: args.remove_orphans,
        scale: args.scale.clone(),
        ..UpArgs::default()
    }
}
