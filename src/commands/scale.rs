//! `hoist scale SERVICE=NUM...`: `up -d --scale SERVICE=NUM SERVICE...` — the same
//! convergence as `up`, so extra replicas are created and started (dependencies first,
//! unless `--no-deps`) and surplus ones stopped and removed, highest numbers first.

use crate::cli::{ScaleArgs, UpArgs};
use crate::compose::model::Project;
use crate::exit::Error;

/// The `up` flags `scale` stands for; the pairs are checked with Compose's messages.
pub fn up_args(project: &Project, args: &ScaleArgs) -> Result<UpArgs, Error> {
    let mut services = Vec::new();
    for pair in &args.replicas {
        let (service, n) = match pair.split_once('=') {
            Some((s, n)) if !s.is_empty() && !n.is_empty() => (s, n),
            _ => return Err(Error::Usage(format!("invalid scale specifier: {pair}"))),
        };
        if n.parse::<u32>().is_err() {
            return Err(Error::Usage(format!(
                "invalid scale specifier: can't parse replica value as int: {pair}"
            )));
        }
        if !project.services.contains_key(service) {
            return Err(Error::Usage(format!("no such service: {service}")));
        }
        services.push(service.to_string());
    }
    services.sort();
    services.dedup();
    Ok(UpArgs {
        services,
        detach: true,
        no_deps: args.no_deps,
        scale: args.replicas.clone(),
        ..UpArgs::default()
    })
}
