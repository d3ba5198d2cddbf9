//! The loader's error type: what went wrong, where (file, line, column) and for which service.

use std::fmt;

use super::node::Mark;

/// Which loader step failed; the CLI maps every kind to the same exit status (1), but tests
/// and callers can tell them apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// A file could not be found or read.
    Io,
    /// The YAML text is malformed (syntax, anchors, merge keys, non-string keys).
    Yaml,
    /// A `.env` or `env_file` file is malformed or missing.
    Env,
    /// `${...}` interpolation failed (required variable, bad syntax).
    Interpolation,
    /// The document does not match the Compose schema (unknown attribute, wrong type).
    Schema,
    /// A short syntax (port, volume, ...) could not be parsed.
    Syntax,
    /// `extends` could not be resolved.
    Extends,
    /// `include` could not be resolved, or conflicts with the including file.
    Include,
    /// A reference is broken or inconsistent (undefined network, cycle, duplicate name, ...).
    Consistency,
    /// The project name, options or environment are invalid.
    Project,
}

/// An error of the Compose loader. `message` is worded as Docker Compose words it; the
/// location and service, when known, are added around it by `Display`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct LoadError {
    pub kind: ErrorKind,
    pub message: String,
    /// Where the offending value is. A mark with only a file names the file.
    pub mark: Option<Mark>,
    /// The service the error is about, when there is one.
    pub service: Option<String>,
}

impl LoadError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        LoadError {
            kind,
            message: message.into(),
            mark: None,
            service: None,
        }
    }

    /// Attaches a location unless one is already set (the innermost location wins).
    pub fn at(mut self, mark: &Mark) -> Self {
        if self
            .mark
            .as_ref()
            .is_none_or(|m| m.file.is_none() && !m.is_known())
        {
            self.mark = Some(mark.clone());
        }
        self
    }

    /// Attaches a file (as a mark without position) unless a location is already set.
    pub fn in_file(mut self, file: &str) -> Self {
        match &mut self.mark {
            None => self.mark = Some(Mark::new(Some(file.into()), 0, 0)),
            Some(m) if m.file.is_none() => m.file = Some(file.into()),
            Some(_) => {}
        }
        self
    }

    /// Names the service the error is about unless one is already named.
    pub fn for_service(mut self, service: &str) -> Self {
        if self.service.is_none() {
            self.service = Some(service.to_string());
        }
        self
    }
}

impl fmt::Display for LoadError {
    /// Compose's own message first (scripts grep for it), then where: `(at FILE:LINE:COLUMN,
    /// service "x")`, leaving out what the message already says.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        let mut parts: Vec<String> = Vec::new();
        if let Some(mark) = &self.mark {
            let file = mark
                .file
                .as_deref()
                .filter(|file| !self.message.contains(*file));
            match (file, mark.is_known()) {
                (Some(file), true) => {
                    parts.push(format!("at {file}:{}:{}", mark.line, mark.column))
                }
                (Some(file), false) => parts.push(format!("in {file}")),
                (None, true) => parts.push(format!("line {}, column {}", mark.line, mark.column)),
                (None, false) => {}
            }
        }
        if let Some(service) = &self.service {
            let named = self.message.contains(&format!("services.{service}"))
                || self.message.contains(&format!("services[{service}]"))
                || self.message.contains(&format!("\"{service}\""))
                || self.message.contains(&format!("service {service} "));
            if !named {
                parts.push(format!("service \"{service}\""));
            }
        }
        if !parts.is_empty() {
            write!(f, " ({})", parts.join(", "))?;
        }
        Ok(())
    }
}

/// Result of a loader step.
pub type Result<T, E = LoadError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_follows_the_message() {
        let e = LoadError::new(
            ErrorKind::Schema,
            "services.a additional properties 'x' not allowed",
        )
        .at(&Mark::new(Some("/p/compose.yaml".into()), 4, 5))
        .for_service("a");
        assert_eq!(
            e.to_string(),
            "services.a additional properties 'x' not allowed (at /p/compose.yaml:4:5)"
        );
    }

    #[test]
    fn file_already_named_in_the_message_is_not_repeated() {
        let e = LoadError::new(ErrorKind::Schema, "validating /p/c.yaml: bad")
            .at(&Mark::new(Some("/p/c.yaml".into()), 2, 1))
            .for_service("web");
        assert_eq!(
            e.to_string(),
            "validating /p/c.yaml: bad (line 2, column 1, service \"web\")"
        );
    }
}
