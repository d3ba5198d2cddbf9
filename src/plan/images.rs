//! Which images a command must pull and which it must build, decided from the services'
//! `pull_policy`, the command's flags and what the engine already has.
//!
//! `daily`, `weekly` and `every_<duration>` compare the image's `LastTagTime` with the
//! policy's period, as Docker Compose does. Compose keeps no record of its pulls, and the
//! engine leaves `LastTagTime` unset for a pulled image, so under Compose such an image is
//! always due. hoist stamps each image it pulls by tagging it onto itself (which sets
//! `LastTagTime` to the pull time): the period then counts from hoist's last pull, and
//! Compose reads the same stamp.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, SystemTime};

use crate::compose::model::{Project, ServiceConfig};

/// A service's `pull_policy`, parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PullPolicy {
    /// Pull every time.
    Always,
    /// Never pull: the image must be on the engine (or be built).
    Never,
    /// Pull when the engine does not have the image (the default; also `if_not_present`).
    Missing,
    /// Build the image every time; never pull.
    Build,
    /// Pull when the image was last pulled (tagged) longer ago than this.
    Refresh(Duration),
}

impl PullPolicy {
    /// Parses a `pull_policy` value (empty means `missing`).
    pub fn parse(s: &str) -> Result<PullPolicy, String> {
        Ok(match s {
            "" | "missing" | "if_not_present" => PullPolicy::Missing,
            "always" => PullPolicy::Always,
            "never" => PullPolicy::Never,
            "build" => PullPolicy::Build,
            "daily" => PullPolicy::Refresh(Duration::from_secs(24 * 3600)),
            "weekly" => PullPolicy::Refresh(Duration::from_secs(7 * 24 * 3600)),
            other => match other.strip_prefix("every_") {
                Some(period) => {
                    let nanos = crate::compose::model::parse_duration(period)?;
                    if nanos <= 0 {
                        return Err(format!(
                            "invalid pull_policy {other:?}: the period must be positive"
                        ));
                    }
                    PullPolicy::Refresh(Duration::from_nanos(nanos as u64))
                }
                None => return Err(format!("invalid pull_policy {other:?}")),
            },
        })
    }
}

/// What the engine knows of an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalImage {
    /// The image ID.
    pub id: String,
    /// When it was last tagged; `None` when never (a plain pull leaves it unset).
    pub last_tagged: Option<SystemTime>,
}

/// True when `policy` asks for a pull now, given what the engine has (Compose's rule).
pub fn must_pull(policy: PullPolicy, local: Option<&LocalImage>, now: SystemTime) -> bool {
    match policy {
        PullPolicy::Always => true,
        PullPolicy::Never | PullPolicy::Build => false,
        PullPolicy::Missing => local.is_none(),
        PullPolicy::Refresh(period) => match local {
            None => true,
            Some(img) => match img.last_tagged {
                None => true,
                Some(t) => now.duration_since(t).is_ok_and(|age| age > period),
            },
        },
    }
}

/// How `up` (and `create`) treat images, from their flags.
#[derive(Debug, Clone, Default)]
pub struct UpImageOptions {
    /// `--pull always|missing|never`: replaces every service's `pull_policy`.
    pub pull: Option<String>,
    /// `--build`: build every service that has `build:` before starting.
    pub build: bool,
    /// `--no-build`: never build; a missing image is an error.
    pub no_build: bool,
}

/// One image to pull, for the first service that uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullJob {
    pub service: String,
    pub image: String,
    /// True when a failed pull is not fatal: the image can be built.
    pub buildable: bool,
}

/// What `up` must do to images before creating containers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImagePlan {
    /// Images to pull (one job per distinct image).
    pub pull: Vec<PullJob>,
    /// Services to build when their image is still missing after the pulls.
    pub build_if_missing: Vec<String>,
    /// Services to build whatever the engine has (`--build`, `pull_policy: build`).
    pub build_always: Vec<String>,
}

/// An invalid `pull_policy` or `--pull`, naming the service.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("service {service:?}: {message}")]
pub struct PolicyError {
    pub service: String,
    pub message: String,
}

/// The policy a service runs under: `--pull` when given, else its `pull_policy`.
pub fn effective_policy(
    service: &ServiceConfig,
    cli_pull: Option<&str>,
) -> Result<PullPolicy, PolicyError> {
    PullPolicy::parse(cli_pull.unwrap_or(&service.pull_policy)).map_err(|message| PolicyError {
        service: service.name.clone(),
        message,
    })
}

/// Plans the pulls and builds of `targets` for `up` (Compose's `ensureImagesExists`):
/// services with `image:` pull under their policy (a failure is tolerated when the image
/// can be built); services with `build:` build when their image is missing, or always
/// under `--build` / `pull_policy: build`; `--no-build` builds nothing.
pub fn plan_up(
    project: &Project,
    targets: &BTreeSet<String>,
    local: &BTreeMap<String, LocalImage>,
    opts: &UpImageOptions,
    now: SystemTime,
) -> Result<ImagePlan, PolicyError> {
    let mut plan = ImagePlan::default();
    let mut pulling = BTreeSet::new();
    for name in targets {
        let Some(s) = project.services.get(name) else {
            continue;
        };
        let policy = effective_policy(s, opts.pull.as_deref())?;
        let image = crate::engine::spec::image_name(&project.name, s);
        let builds = s.build.is_some() && !opts.no_build;
        if builds && (opts.build || policy == PullPolicy::Build) {
            plan.build_always.push(name.clone());
            continue;
        }
        if !s.image.is_empty()
            && must_pull(policy, local.get(&image), now)
            && pulling.insert(image.clone())
        {
            plan.pull.push(PullJob {
                service: name.clone(),
                buildable: builds || buildable_elsewhere(project, &s.image),
                image: image.clone(),
            });
        }
        if builds {
            plan.build_if_missing.push(name.clone());
        }
    }
    Ok(plan)
}

/// True when another service builds the image `image` (its pull may fail harmlessly).
fn buildable_elsewhere(project: &Project, image: &str) -> bool {
    project
        .services
        .values()
        .any(|s| s.image == image && s.build.is_some())
}

/// Parses the engine's RFC 3339 timestamps (`2026-12-05T03:59:11.402255993Z`); the zero
/// time Go writes for "never" (`0001-01-01T00:00:00Z`) and anything unreadable are `None`.
pub fn parse_engine_time(s: &str) -> Option<SystemTime> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut rest = &s[19..];
    let mut nanos: u32 = 0;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits: String = frac.chars().take_while(char::is_ascii_digit).collect();
        rest = &frac[digits.len()..];
        let padded = format!("{digits:0<9}");
        nanos = padded.get(..9)?.parse().ok()?;
    }
    let offset = match rest {
        "Z" => 0,
        o if o.len() == 6 => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            sign * (o.get(1..3)?.parse::<i64>().ok()? * 3600
                + o.get(4..6)?.parse::<i64>().ok()? * 60)
        }
        _ => return None,
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let y2 = if mo <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + h * 3600 + mi * 60 + sec - offset;
    if secs <= 0 {
        return None;
    }
    Some(SystemTime::UNIX_EPOCH + Duration::new(secs as u64, nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Duration = Duration::from_secs(86_400);

    fn img(age: Option<Duration>, now: SystemTime) -> LocalImage {
        LocalImage {
            id: "sha256:x".into(),
            last_tagged: age.map(|a| now - a),
        }
    }

    #[test]
    fn policies_parse_like_compose() {
        assert_eq!(PullPolicy::parse("").unwrap(), PullPolicy::Missing);
        assert_eq!(
            PullPolicy::parse("if_not_present").unwrap(),
            PullPolicy::Missing
        );
        assert_eq!(
            PullPolicy::parse("daily").unwrap(),
            PullPolicy::Refresh(DAY)
        );
        assert_eq!(
            PullPolicy::parse("weekly").unwrap(),
            PullPolicy::Refresh(DAY * 7)
        );
        assert_eq!(
            PullPolicy::parse("every_12h").unwrap(),
            PullPolicy::Refresh(DAY / 2)
        );
        assert_eq!(
            PullPolicy::parse("every_2d").unwrap(),
            PullPolicy::Refresh(DAY * 2)
        );
        assert!(PullPolicy::parse("every_soon").is_err());
        assert!(PullPolicy::parse("sometimes").is_err());
    }

    #[test]
    fn missing_pulls_only_absent_images() {
        let now = SystemTime::now();
        assert!(must_pull(PullPolicy::Missing, None, now));
        assert!(!must_pull(PullPolicy::Missing, Some(&img(None, now)), now));
    }

    #[test]
    fn refresh_pulls_when_the_last_tag_is_older_than_the_period() {
        let now = SystemTime::now();
        let daily = PullPolicy::Refresh(DAY);
        assert!(!must_pull(daily, Some(&img(Some(DAY / 2), now)), now));
        assert!(must_pull(daily, Some(&img(Some(DAY * 2), now)), now));
        // Never tagged (pulled by someone else): due, as in Compose.
        assert!(must_pull(daily, Some(&img(None, now)), now));
        assert!(must_pull(daily, None, now));
    }

    #[test]
    fn never_and_build_never_pull() {
        let now = SystemTime::now();
        assert!(!must_pull(PullPolicy::Never, None, now));
        assert!(!must_pull(PullPolicy::Build, None, now));
        assert!(must_pull(PullPolicy::Always, Some(&img(None, now)), now));
    }

    #[test]
    fn engine_times_parse_and_zero_is_never() {
        let t = parse_engine_time("2026-12-05T03:59:11.402255993Z").unwrap();
        let secs = t.duration_since(SystemTime::UNIX_EPOCH).unwrap();
        assert_eq!(secs.as_secs(), 1_796_443_151);
        assert_eq!(secs.subsec_nanos(), 402_255_993);
        assert_eq!(
            parse_engine_time("2026-12-05T04:59:11+01:00").unwrap(),
            parse_engine_time("2026-12-05T03:59:11Z").unwrap()
        );
        assert_eq!(parse_engine_time("0001-01-01T00:00:00Z"), None);
        assert_eq!(parse_engine_time("yesterday"), None);
    }
}
