//! (placeholder until the ui helper lands)
use super::event::Event;
pub trait Renderer: Send + Sync {
    fn event(&self, e: Event);
    fn log(&self, line: &str);
    fn finish(&self);
}
struct Plain;
impl Renderer for Plain {
    fn event(&self, e: Event) {
        eprintln!(" {:?} {}  {}", e.kind, e.name, e.text);
    }
    fn log(&self, line: &str) {
        eprintln!("{line}");
    }
    fn finish(&self) {}
}
pub fn renderer(
    _p: crate::cli::Progress,
    _a: crate::cli::Ansi,
    _title: &str,
) -> std::sync::Arc<dyn Renderer> {
    std::sync::Arc::new(Plain)
}
