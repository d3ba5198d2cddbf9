//! (placeholder)
pub fn escape_dollars(s: &str) -> String {
    s.replace('$', "$$")
}
pub fn service_hash(_s: &super::model::ServiceConfig) -> String {
    String::new()
}
