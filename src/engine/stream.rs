//! The streams of a process in a container (`exec`, `attach`, `run`): its output copied to
//! hoist's standard output and error, hoist's standard input copied to it, and its TTY
//! kept the size of the user's terminal.
//!
//! The engine sends output multiplexed (an 8-byte header per frame naming stdout or
//! stderr) unless the process has a TTY, when it sends raw bytes; bollard decodes both
//! into [`LogOutput`]. `logs` reads the same frames through [`chunk_of`].

use std::io::Write;
use std::pin::Pin;

use bollard::Docker;
use bollard::container::LogOutput;
use bollard::query_parameters::{ResizeContainerTTYOptions, ResizeExecOptions};
use futures_util::{Stream, StreamExt};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

use super::error::EngineError;
use crate::ui::terminal;

/// Output of a container process, as bollard decodes it.
pub type Output = Pin<Box<dyn Stream<Item = Result<LogOutput, bollard::errors::Error>> + Send>>;
/// Input of a container process (the write side of the hijacked connection).
pub type Input = Pin<Box<dyn AsyncWrite + Send>>;

/// Which of the process's streams a chunk of output came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// Standard output, or everything when the process has a TTY.
    Out,
    Err,
}

/// The bytes of one frame of output and its stream; `None` for an echo of standard input.
pub fn chunk_of(frame: &LogOutput) -> Option<(Channel, &[u8])> {
    match frame {
        LogOutput::StdOut { message } | LogOutput::Console { message } => {
            Some((Channel::Out, message))
        }
        LogOutput::StdErr { message } => Some((Channel::Err, message)),
        LogOutput::StdIn { .. } => None,
    }
}

/// What a TTY to keep the terminal's size belongs to.
#[derive(Debug, Clone)]
pub enum Tty {
    Exec(String),
    Container(String),
}

/// How hoist's side of the streams is connected.
pub struct Wiring {
    /// Copy hoist's standard input to the process (closing the process's input at EOF).
    pub stdin: bool,
    /// The process has a TTY that follows the terminal's size.
    pub tty: Option<Tty>,
}

/// How the copying ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The output ended: the process exited, or the engine detached us.
    Output,
    /// Our own standard output was closed (`hoist exec web yes | head -1`): nobody reads
    /// any more, so we stop, as a process killed by SIGPIPE would.
    ReaderGone,
}

/// The exit status of a process ended by SIGPIPE, as a shell reports it.
pub const SIGPIPE_STATUS: i64 = 128 + 13;

/// Copies the process's output to standard output/error and standard input to the
/// process, until the output ends (the process exited, or the daemon detached us) or
/// nobody reads our standard output any more.
pub async fn pump(
    docker: &Docker,
    mut output: Output,
    mut input: Input,
    wiring: Wiring,
) -> Result<Ended, EngineError> {
    // With a TTY the engine ends the whole session when input ends (end of input is a
    // Ctrl-D typed into the TTY): only plain streams are half-closed.
    let half_close = wiring.tty.is_none();
    let resizer = wiring
        .tty
        .map(|tty| tokio::spawn(follow_terminal_size(docker.clone(), tty)));
    let feeder = wiring.stdin.then(|| {
        let mut rx = stdin_reader();
        tokio::spawn(async move {
            while let Some(buf) = rx.recv().await {
                if input.write_all(&buf).await.is_err() || input.flush().await.is_err() {
                    return;
                }
            }
            // Half-close: the process sees end of input and the output keeps flowing.
            if half_close {
                let _ = input.shutdown().await;
            }
            // Dropping the write half now could end the whole connection on some
            // transports: keep it until the output ends.
            std::future::pending::<()>().await;
        })
    });
    let mut result = Ok(Ended::Output);
    while let Some(frame) = output.next().await {
        let frame = match frame {
            Ok(f) => f,
            Err(e) => {
                result = Err(EngineError::api("reading the process's output", e));
                break;
            }
        };
        let written = match chunk_of(&frame) {
            Some((Channel::Out, b)) => write_all(&mut std::io::stdout().lock(), b),
            // A closed stderr is no reason to stop the command.
            Some((Channel::Err, b)) => write_all(&mut std::io::stderr().lock(), b).or(Ok(())),
            None => Ok(()),
        };
        if written.is_err() {
            result = Ok(Ended::ReaderGone);
            break;
        }
    }
    if let Some(f) = feeder {
        f.abort();
    }
    if let Some(r) = resizer {
        r.abort();
    }
    result
}

fn write_all(out: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
    out.write_all(bytes)?;
    out.flush()
}

/// Reads standard input on a thread of its own (a blocking read cannot be cancelled; the
/// thread ends with the process) and hands the chunks over; the channel closes at EOF.
fn stdin_reader() -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel(16);
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 32 * 1024];
        loop {
            // SAFETY: reads into a buffer we own; fd 0 is standard input. Not `std::io::stdin`,
            // whose buffering would hold back bytes a TTY user typed.
            let n = unsafe { libc::read(0, buf.as_mut_ptr().cast(), buf.len()) };
            if n < 0 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            if n <= 0 || tx.blocking_send(buf[..n as usize].to_vec()).is_err() {
                return;
            }
        }
    });
    rx
}

/// Sets the TTY to the terminal's size now and whenever the window changes.
async fn follow_terminal_size(docker: Docker, tty: Tty) {
    use tokio::signal::unix::{SignalKind, signal};
    let mut changes = signal(SignalKind::window_change()).ok();
    // The first resize can come before the engine has set the TTY up: retry it briefly.
    for _ in 0..10 {
        if resize(&docker, &tty).await {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let Some(changes) = changes.as_mut() else {
        return;
    };
    while changes.recv().await.is_some() {
        resize(&docker, &tty).await;
    }
}

/// Resizes the TTY to the terminal's size; false when the engine refused.
async fn resize(docker: &Docker, tty: &Tty) -> bool {
    let Some((rows, cols)) = terminal::size() else {
        return true;
    };
    let (h, w) = (i32::from(rows), i32::from(cols));
    match tty {
        Tty::Exec(id) => docker
            .resize_exec(id, ResizeExecOptions { h, w })
            .await
            .is_ok(),
        Tty::Container(id) => docker
            .resize_container_tty(id, ResizeContainerTTYOptions { h, w })
            .await
            .is_ok(),
    }
}
