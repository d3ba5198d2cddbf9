//! Colours as Docker Compose uses them: the rotating palette of `logs` prefixes, the
//! progress palette (green done, red error, yellow warning, blue timers), and the rule that
//! decides whether colours are used at all (`--ansi`, `NO_COLOR`).

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::cli::Ansi;

/// An SGR colour: the parameters between `ESC [` and `m` (`"36"`, `"36;1"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Color(&'static str);

impl Color {
    /// The SGR parameters of this colour, e.g. `"33;1"`.
    pub const fn code(self) -> &'static str {
        self.0
    }

    /// The escape sequence that switches to this colour.
    pub fn start(self) -> String {
        format!("\x1b[{}m", self.0)
    }

    /// `s` wrapped in this colour and a reset, as Compose's colour functions do (an empty
    /// `s` still gets both codes).
    pub fn paint(self, s: &str) -> String {
        format!("\x1b[{}m{s}{RESET}", self.0)
    }

    /// `paint` when `enabled`, `s` unchanged otherwise.
    pub fn paint_if(self, enabled: bool, s: &str) -> String {
        if enabled {
            self.paint(s)
        } else {
            s.to_string()
        }
    }
}

/// Resets every attribute.
pub const RESET: &str = "\x1b[0m";

/// Red.
pub const RED: Color = Color("31");
/// Green.
pub const GREEN: Color = Color("32");
/// Yellow.
pub const YELLOW: Color = Color("33");
/// Blue.
pub const BLUE: Color = Color("34");
/// Magenta.
pub const MAGENTA: Color = Color("35");
/// Cyan.
pub const CYAN: Color = Color("36");
/// Bold green.
pub const INTENSE_GREEN: Color = Color("32;1");
/// Bold yellow.
pub const INTENSE_YELLOW: Color = Color("33;1");
/// Bold blue.
pub const INTENSE_BLUE: Color = Color("34;1");
/// Bold magenta.
pub const INTENSE_MAGENTA: Color = Color("35;1");
/// Bold cyan.
pub const INTENSE_CYAN: Color = Color("36;1");
/// Bold red.
pub const BOLD_RED: Color = Color("31;1");
/// The colour of the `watch` logger's prefix (bright green).
pub const WATCH: Color = Color("92");

/// The colours `logs` gives to successive services, in Compose's order; the 11th service
/// gets the first colour again.
pub const RAINBOW: [Color; 10] = [
    CYAN,
    YELLOW,
    GREEN,
    MAGENTA,
    BLUE,
    INTENSE_CYAN,
    INTENSE_YELLOW,
    INTENSE_GREEN,
    INTENSE_MAGENTA,
    INTENSE_BLUE,
];

/// Progress colours (Compose's `pkg/progress/colors.go`).
pub mod progress {
    use super::{BLUE, BOLD_RED, CYAN, Color, GREEN, INTENSE_YELLOW, YELLOW};

    /// The `[+] Running n/n` header once everything is done.
    pub const DONE: Color = BLUE;
    /// The elapsed time at the end of each line.
    pub const TIMER: Color = BLUE;
    /// The spinner of a resource still being worked on.
    pub const COUNT: Color = YELLOW;
    /// The `!` and the text of a warning.
    pub const WARNING: Color = INTENSE_YELLOW;
    /// The `✔` and the text of a finished step.
    pub const SUCCESS: Color = GREEN;
    /// The `✘` and the text of an error.
    pub const ERROR: Color = BOLD_RED;
    /// The dry-run prefix.
    pub const PREFIX: Color = CYAN;
}

/// Hands out the `RAINBOW` colours in turn; shared by every log stream of one command.
#[derive(Debug, Default)]
pub struct Rainbow {
    next: AtomicUsize,
}

impl Rainbow {
    /// A palette that starts at cyan.
    pub const fn new() -> Self {
        Rainbow {
            next: AtomicUsize::new(0),
        }
    }

    /// The next colour of the cycle.
    pub fn next_color(&self) -> Color {
        let i = self.next.fetch_add(1, Ordering::Relaxed);
        RAINBOW[i % RAINBOW.len()]
    }
}

/// Whether `NO_COLOR` asks for no colours: like Compose, only a non-empty value counts.
pub fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Whether output to a stream uses colours: `--ansi always` yes, `never` no, `auto` when the
/// stream is a terminal; a non-empty `NO_COLOR` turns colours off whatever `--ansi` says.
pub fn color_enabled(ansi: Ansi, is_tty: bool) -> bool {
    color_enabled_with(ansi, is_tty, no_color())
}

/// `color_enabled` with the `NO_COLOR` check given (for callers that read the environment
/// once, and for tests).
pub fn color_enabled_with(ansi: Ansi, is_tty: bool, no_color: bool) -> bool {
    if no_color {
        return false;
    }
    match ansi {
        Ansi::Always => true,
        Ansi::Never => false,
        Ansi::Auto => is_tty,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paint_wraps_in_code_and_reset() {
        assert_eq!(CYAN.paint("web"), "\x1b[36mweb\x1b[0m");
        assert_eq!(INTENSE_BLUE.paint("x"), "\x1b[34;1mx\x1b[0m");
    }

    #[test]
    fn paint_if_disabled_leaves_text_alone() {
        assert_eq!(GREEN.paint_if(false, "ok"), "ok");
        assert_eq!(GREEN.paint_if(true, "ok"), "\x1b[32mok\x1b[0m");
    }

    #[test]
    fn rainbow_follows_compose_order_and_wraps() {
        let r = Rainbow::new();
        let codes: Vec<&str> = (0..11).map(|_| r.next_color().code()).collect();
        assert_eq!(
            codes,
            [
                "36", "33", "32", "35", "34", "36;1", "33;1", "32;1", "35;1", "34;1", "36"
            ]
        );
    }

    #[test]
    fn ansi_always_and_never_ignore_the_terminal() {
        assert!(color_enabled_with(Ansi::Always, false, false));
        assert!(!color_enabled_with(Ansi::Never, true, false));
    }

    #[test]
    fn ansi_auto_follows_the_terminal() {
        assert!(color_enabled_with(Ansi::Auto, true, false));
        assert!(!color_enabled_with(Ansi::Auto, false, false));
    }

    #[test]
    fn no_color_wins_over_ansi_always() {
        assert!(!color_enabled_with(Ansi::Always, true, true));
    }

    #[test]
    fn progress_palette_matches_compose() {
        assert_eq!(progress::WARNING.paint("!"), "\x1b[33;1m!\x1b[0m");
        assert_eq!(progress::ERROR.paint("✘"), "\x1b[31;1m✘\x1b[0m");
        assert_eq!(progress::SUCCESS.paint("✔"), "\x1b[32m✔\x1b[0m");
        assert_eq!(progress::TIMER.paint("0.1s "), "\x1b[34m0.1s \x1b[0m");
    }
}
