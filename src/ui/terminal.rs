//! The user's terminal for interactive commands (`exec`, `run`, `attach`): whether the
//! standard streams are terminals, raw mode while a container owns the keyboard, and the
//! window size the container's pseudo-terminal should have.
//!
//! Raw mode is what the docker CLI does too: keys (Ctrl-C included) go to the container's
//! TTY as bytes and the container's TTY does the echoing and line editing.

use std::io::IsTerminal;
use std::os::fd::RawFd;

const STDIN: RawFd = 0;
const STDOUT: RawFd = 1;

/// True when standard input is a terminal.
pub fn stdin_is_terminal() -> bool {
    std::io::stdin().is_terminal()
}

/// True when standard output is a terminal.
pub fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal()
}

/// The terminal's size as (rows, columns), from standard output (else standard input);
/// `None` when neither is a terminal.
pub fn size() -> Option<(u16, u16)> {
    [STDOUT, STDIN].into_iter().find_map(|fd| {
        // SAFETY: TIOCGWINSZ fills a `winsize` we own; a failure leaves it untouched.
        let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
        let rc = unsafe { libc::ioctl(fd, libc::TIOCGWINSZ, &mut ws) };
        (rc == 0 && ws.ws_row > 0 && ws.ws_col > 0).then_some((ws.ws_row, ws.ws_col))
    })
}

/// Standard input in raw mode for as long as this guard lives; the previous settings come
/// back when it is dropped (also on errors and panics that unwind).
pub struct RawMode {
    saved: libc::termios,
}

impl RawMode {
    /// Puts standard input in raw mode; `None` when it is not a terminal.
    pub fn enable() -> Option<RawMode> {
        if !stdin_is_terminal() {
            return None;
        }
        // SAFETY: tcgetattr/tcsetattr read and write a `termios` we own, on fd 0.
        unsafe {
            let mut saved: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(STDIN, &mut saved) != 0 {
                return None;
            }
            let mut raw = saved;
            libc::cfmakeraw(&mut raw);
            if libc::tcsetattr(STDIN, libc::TCSANOW, &raw) != 0 {
                return None;
            }
            Some(RawMode { saved })
        }
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        // SAFETY: restores the settings read in `enable`.
        unsafe {
            libc::tcsetattr(STDIN, libc::TCSANOW, &self.saved);
        }
    }
}

/// Whether a command gets a TTY: `-T` says no, `-t` says yes; otherwise only when both
/// standard input and standard output are terminals (a pipe on either side gets plain
/// streams, so `echo x | hoist exec svc cat` and `hoist exec svc cat file > out` work).
pub fn wants_tty(no_tty: bool, tty: bool) -> bool {
    if no_tty {
        return false;
    }
    tty || (stdin_is_terminal() && stdout_is_terminal())
}

/// The docker CLI's refusal of a TTY fed from a pipe (only an explicit `-t` gets here):
/// the command would wait for input that never ends, since a TTY's input ends only with a
/// Ctrl-D typed into it.
pub fn check_tty(interactive: bool, tty: bool) -> Result<(), String> {
    if interactive && tty && !stdin_is_terminal() {
        return Err("the input device is not a TTY".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_tty_wins_over_everything() {
        assert!(!wants_tty(true, true));
        assert!(!wants_tty(true, false));
    }

    #[test]
    fn explicit_tty_is_honoured() {
        assert!(wants_tty(false, true));
    }
}
