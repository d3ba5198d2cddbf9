//! `hoist create`: `up --no-start` — the same convergence as `up` (networks, volumes,
//! containers created or recreated), nothing started.

use crate::cli::{CreateArgs, UpArgs};

/// The `up` flags `create` stands for (`--yes` changes nothing: hoist never asks).
/// `--pull build` means build, and `if_not_present` is `missing`, as in Compose.
pub fn up_args(args: &CreateArgs) -> UpArgs {
    let pull = match args.pull.as_deref() {
        Some("build") => None,
        Some("if_not_present") => Some("missing".to_string()),
        other => other.map(str::to_string),
    };
    UpArgs {
        services: args.services.clone(),
        detach: true,
        no_start: true,
        force_recreate: args.force_recreate,
        no_recreate: args.no_recreate,
        remove_orphans: args.remove_orphans,
        scale: args.scale.clone(),
        pull,
        quiet_pull: args.quiet_pull,
        build: args.build || args.pull.as_deref() == Some("build"),
        no_build: args.no_build,
        ..UpArgs::default()
    }
}
