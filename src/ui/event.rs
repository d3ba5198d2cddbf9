//! (placeholder until the ui helper lands)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResourceKind {
    Container,
    Network,
    Volume,
    Image,
    Service,
}
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Working,
    Done,
    Warning,
    Error,
}
#[derive(Clone, Debug)]
pub struct Event {
    pub kind: ResourceKind,
    pub name: String,
    pub status: Status,
    pub text: String,
    pub details: Option<String>,
    pub at: std::time::Instant,
}
