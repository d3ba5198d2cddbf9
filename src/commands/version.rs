//! `hoist version`.

use crate::cli::VersionArgs;

/// hoist's version, from Cargo.toml.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Prints the version in the requested form.
pub fn run(args: &VersionArgs) -> String {
    if args.short {
        return format!("{VERSION}\n");
    }
    if args.format == "json" {
        return format!("{}\n", serde_json::json!({ "version": VERSION }));
    }
    format!("hoist version v{VERSION}\n")
}
