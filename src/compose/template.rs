//! (placeholder)
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("invalid interpolation format: {template}")]
    InvalidFormat { template: String },
    #[error("required variable {variable} is missing a value: {message}")]
    Required { variable: String, message: String },
}
pub fn substitute(
    input: &str,
    _lookup: &dyn Fn(&str) -> Option<String>,
    _on_unset: &mut dyn FnMut(&str),
) -> Result<String, TemplateError> {
    Ok(input.to_string())
}
