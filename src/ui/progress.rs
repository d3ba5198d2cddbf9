//! Progress output of the engine commands, rendered as Docker Compose renders it.
//!
//! Commands send `Event`s (from any thread or tokio task) to one `Renderer`, chosen from
//! `--progress` and `--ansi` by `renderer`:
//! - tty: a live block, `[+] Running 3/5` then one line per resource with a spinner (or
//!   `✔` / `!` / `✘`), the status and the elapsed time, drawn with indicatif;
//! - plain: one line per event, ` Container p-web-1  Started` (the default when the output is
//!   not a terminal);
//! - json: one JSON object per event, `{"id":"Container p-web-1","status":"Started"}`;
//! - quiet: nothing.
//!
//! Compose writes all of these to standard error (standard output when
//! `COMPOSE_STATUS_STDOUT` is true).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex, MutexGuard, Weak, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};
use serde_json::{Map, Value};

use super::color::progress as palette;
use super::color::{Color, no_color};
use super::event::{Event, Status, Transfer};
use crate::cli::{Ansi, Progress};
use crate::compose::environment::parse_go_bool;
use crate::compose::gojson;

/// Where renderers write: anything that takes bytes (stderr, a pipe, a test buffer).
pub type Output = Box<dyn Write + Send>;

/// Shows what happens to resources. Shared by every task of a command (`Arc<dyn Renderer>`).
pub trait Renderer: Send + Sync {
    /// Reports one event.
    fn event(&self, e: Event);

    /// Reports several events in order.
    fn events(&self, events: Vec<Event>) {
        for e in events {
            self.event(e);
        }
    }

    /// Prints a message of its own (in a terminal: above the progress lines).
    fn log(&self, line: &str);

    /// Draws the final state and stops; call once all events are sent, before printing
    /// anything else. Calling it again does nothing.
    fn finish(&self);
}

/// How progress is rendered once `--progress`, `--ansi` and the terminal are considered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The live block of spinners.
    Tty,
    /// One line per event.
    Plain,
    /// One JSON object per event.
    Json,
    /// Nothing.
    Quiet,
}

/// Compose's choice of rendering: `--ansi never` means plain, `--ansi always` means tty,
/// otherwise `--progress auto` draws the live block only on a terminal. The combinations
/// `check_modes` rejects fall back to plain.
pub fn resolve_mode(progress: Progress, ansi: Ansi, is_tty: bool) -> Mode {
    match progress {
        Progress::Quiet => Mode::Quiet,
        Progress::Json => Mode::Json,
        Progress::Plain => Mode::Plain,
        Progress::Tty if ansi == Ansi::Never => Mode::Plain,
        Progress::Tty => Mode::Tty,
        Progress::Auto => match ansi {
            Ansi::Never => Mode::Plain,
            Ansi::Always => Mode::Tty,
            Ansi::Auto if is_tty => Mode::Tty,
            Ansi::Auto => Mode::Plain,
        },
    }
}

/// Rejects the contradictory flags as Compose does (its messages; exit status 1).
pub fn check_modes(progress: Progress, ansi: Ansi) -> Result<(), String> {
    match (progress, ansi) {
        (Progress::Tty, Ansi::Never) => {
            Err("can't use --progress tty while ANSI support is disabled".into())
        }
        (Progress::Plain, Ansi::Always) => {
            Err("can't use --progress plain while ANSI support is forced".into())
        }
        _ => Ok(()),
    }
}

/// The renderer for this process: on standard error (standard output when
/// `COMPOSE_STATUS_STDOUT` is true), in the mode `resolve_mode` picks; the tty block is
/// headed `[+] <title> n/m` (`"Running"`, `"Pulling"`...) and coloured unless `NO_COLOR`.
pub fn renderer(progress: Progress, ansi: Ansi, title: &str) -> Arc<dyn Renderer> {
    let to_stdout = std::env::var("COMPOSE_STATUS_STDOUT")
        .ok()
        .and_then(|v| parse_go_bool(&v))
        .unwrap_or(false);
    let is_tty = if to_stdout {
        std::io::stdout().is_terminal()
    } else {
        std::io::stderr().is_terminal()
    };
    let stream = || -> Output {
        if to_stdout {
            Box::new(std::io::stdout())
        } else {
            Box::new(std::io::stderr())
        }
    };
    match resolve_mode(progress, ansi, is_tty) {
        Mode::Quiet => Arc::new(QuietRenderer),
        Mode::Json => Arc::new(JsonRenderer::new(stream())),
        Mode::Plain => Arc::new(PlainRenderer::new(stream())),
        Mode::Tty => {
            let color = !no_color();
            Arc::new(match (is_tty, to_stdout) {
                (true, false) => TtyRenderer::stderr(title, color),
                (true, true) => TtyRenderer::stdout(title, color),
                // `--progress tty` into a pipe: Compose draws anyway, and so do we.
                (false, _) => TtyRenderer::to_writer(stream(), columns(), title, color),
            })
        }
    }
}

/// The terminal width to assume when it cannot be asked: `$COLUMNS`, else 80.
fn columns() -> u16 {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<u16>().ok())
        .filter(|&c| c > 0)
        .unwrap_or(80)
}

/// What `--progress json` prints for the error that ends a command:
/// `{"error":true,"message":"..."}` (no newline).
pub fn json_error(message: &str) -> String {
    let mut m = Map::new();
    m.insert("error".into(), Value::Bool(true));
    m.insert("message".into(), Value::String(message.into()));
    gojson::to_string(&Value::Object(m))
}

/// Locks a mutex even if a panicking thread held it: output state stays usable.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Writes one whole line and flushes, so that lines from many tasks never interleave.
fn write_line(out: &Mutex<Output>, line: &str) {
    let mut out = lock(out);
    // A closed stream (`hoist up | head`) must not stop the command.
    let _ = out.write_all(line.as_bytes()).and_then(|_| out.flush());
}

/// `--progress quiet`: shows nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct QuietRenderer;

impl Renderer for QuietRenderer {
    fn event(&self, _: Event) {}
    fn log(&self, _: &str) {}
    fn finish(&self) {}
}

/// `--progress plain`: ` <id> <text> <status>` per event, Go's `Println` of the three columns
/// (so a resource event has two spaces after its id, a pull event a trailing space).
pub struct PlainRenderer {
    out: Mutex<Output>,
}

impl PlainRenderer {
    /// A plain renderer writing to `out`.
    pub fn new(out: Output) -> Self {
        PlainRenderer {
            out: Mutex::new(out),
        }
    }
}

/// The plain line of one event, newline included.
pub fn plain_line(e: &Event) -> String {
    format!(" {} {} {}\n", e.id(), e.compose_text(), e.compose_status())
}

impl Renderer for PlainRenderer {
    fn event(&self, e: Event) {
        write_line(&self.out, &plain_line(&e));
    }

    fn log(&self, line: &str) {
        write_line(&self.out, &format!("{line}\n"));
    }

    fn finish(&self) {
        let _ = lock(&self.out).flush();
    }
}

/// `--progress json`: one object per event with Compose's fields (`id`, `parent_id`, `text`,
/// `status`, `current`, `total`, `percent`; empty ones left out), and `{"tail":true,...}`
/// for messages.
pub struct JsonRenderer {
    out: Mutex<Output>,
}

impl JsonRenderer {
    /// A json renderer writing to `out`.
    pub fn new(out: Output) -> Self {
        JsonRenderer {
            out: Mutex::new(out),
        }
    }
}

/// The JSON line of one event (Go's `json.Marshal` of Compose's message), newline included.
pub fn json_line(e: &Event) -> String {
    let mut m = Map::new();
    let mut put = |key: &str, value: &str| {
        if !value.is_empty() {
            m.insert(key.into(), Value::String(value.into()));
        }
    };
    put("id", &e.id());
    put("parent_id", e.parent.as_deref().unwrap_or(""));
    put("text", e.compose_text());
    put("status", e.compose_status());
    let t = e.transfer.unwrap_or_default();
    for (key, n) in [
        ("current", t.current),
        ("total", t.total),
        ("percent", u64::from(t.percent)),
    ] {
        if n != 0 {
            m.insert(key.into(), Value::from(n));
        }
    }
    format!("{}\n", gojson::to_string(&Value::Object(m)))
}

impl Renderer for JsonRenderer {
    fn event(&self, e: Event) {
        write_line(&self.out, &json_line(&e));
    }

    fn log(&self, line: &str) {
        let mut m = Map::new();
        m.insert("tail".into(), Value::Bool(true));
        if !line.is_empty() {
            m.insert("text".into(), Value::String(line.into()));
        }
        write_line(
            &self.out,
            &format!("{}\n", gojson::to_string(&Value::Object(m))),
        );
    }

    fn finish(&self) {
        let _ = lock(&self.out).flush();
    }
}

/// A terminal on any writer, for `--progress tty` into a pipe and for tests: cursor moves
/// are written as the escape sequences a terminal understands; the width is fixed.
pub struct WriterTerm {
    out: Arc<Mutex<Output>>,
    width: u16,
}

impl WriterTerm {
    /// A `width`-column terminal writing to `out`.
    pub fn new(out: Output, width: u16) -> Self {
        WriterTerm {
            out: Arc::new(Mutex::new(out)),
            width,
        }
    }

    fn put(&self, s: &str) -> std::io::Result<()> {
        lock(&self.out).write_all(s.as_bytes())
    }

    fn csi(&self, n: usize, code: char) -> std::io::Result<()> {
        if n == 0 {
            return Ok(());
        }
        self.put(&format!("\x1b[{n}{code}"))
    }
}

impl std::fmt::Debug for WriterTerm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriterTerm")
            .field("width", &self.width)
            .finish_non_exhaustive()
    }
}

impl TermLike for WriterTerm {
    fn width(&self) -> u16 {
        self.width
    }

    // A pipe does not scroll: never leave lines out for lack of height.
    fn height(&self) -> u16 {
        u16::MAX
    }

    fn move_cursor_up(&self, n: usize) -> std::io::Result<()> {
        self.csi(n, 'A')
    }

    fn move_cursor_down(&self, n: usize) -> std::io::Result<()> {
        self.csi(n, 'B')
    }

    fn move_cursor_right(&self, n: usize) -> std::io::Result<()> {
        self.csi(n, 'C')
    }

    fn move_cursor_left(&self, n: usize) -> std::io::Result<()> {
        self.csi(n, 'D')
    }

    fn write_line(&self, s: &str) -> std::io::Result<()> {
        self.put(&format!("{s}\n"))
    }

    fn write_str(&self, s: &str) -> std::io::Result<()> {
        self.put(s)
    }

    fn clear_line(&self) -> std::io::Result<()> {
        self.put("\r\x1b[2K")
    }

    fn flush(&self) -> std::io::Result<()> {
        lock(&self.out).flush()
    }
}

/// `--progress tty`: Compose's live block, drawn with an indicatif `MultiProgress`.
///
/// One bar per resource (layers of a pull sit indented under their service), in order of
/// first event; the status column is aligned across lines; each line ends with the time since
/// the resource's first event, frozen when it is done. A background thread animates the
/// spinners every 100 ms until `finish`.
pub struct TtyRenderer {
    shared: Arc<TtyShared>,
    /// Dropped by `finish` to stop the ticker thread at once.
    stop: Mutex<Option<mpsc::Sender<()>>>,
    ticker: Mutex<Option<JoinHandle<()>>>,
    /// The stream under the block, for the newline that ends it.
    out: Arc<Mutex<Output>>,
}

struct TtyShared {
    multi: MultiProgress,
    title: String,
    color: bool,
    state: Mutex<TtyState>,
}

#[derive(Default)]
struct TtyState {
    finished: bool,
    header: Option<ProgressBar>,
    /// Line ids in order of first event.
    order: Vec<String>,
    lines: HashMap<String, Line>,
}

/// One resource on screen.
struct Line {
    bar: ProgressBar,
    clock: Arc<Mutex<Clock>>,
    /// The id of the line this one is drawn under.
    parent: Option<String>,
    text: String,
    status_text: String,
    status: Status,
    transfer: Transfer,
    message: String,
}

/// What the spinner and timer of a line read when indicatif draws it.
#[derive(Debug, Clone, Copy)]
struct Clock {
    status: Status,
    start: Instant,
    end: Option<Instant>,
}

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const PERCENT_CHARS: [&str; 9] = ["⠀", "⡀", "⣀", "⣄", "⣤", "⣦", "⣶", "⣷", "⣿"];
const TICK: Duration = Duration::from_millis(100);

impl TtyRenderer {
    /// A live block on standard error, headed `[+] <title> n/m`, coloured when `color`.
    pub fn stderr(title: &str, color: bool) -> Self {
        TtyRenderer::build(
            ProgressDrawTarget::stderr(),
            Arc::new(Mutex::new(Box::new(std::io::stderr()))),
            title,
            color,
        )
    }

    /// A live block on standard output (`COMPOSE_STATUS_STDOUT`).
    pub fn stdout(title: &str, color: bool) -> Self {
        TtyRenderer::build(
            ProgressDrawTarget::stdout(),
            Arc::new(Mutex::new(Box::new(std::io::stdout()))),
            title,
            color,
        )
    }

    /// A live block written as terminal escape sequences to `out`, `width` columns wide
    /// (for `--progress tty` into a pipe, and for tests).
    pub fn to_writer(out: Output, width: u16, title: &str, color: bool) -> Self {
        let term = WriterTerm::new(out, width);
        let out = term.out.clone();
        TtyRenderer::build(
            ProgressDrawTarget::term_like(Box::new(term)),
            out,
            title,
            color,
        )
    }

    fn build(
        target: ProgressDrawTarget,
        out: Arc<Mutex<Output>>,
        title: &str,
        color: bool,
    ) -> Self {
        let multi = MultiProgress::with_draw_target(target);
        // Redraw in place rather than clearing lines first: no flicker.
        multi.set_move_cursor(true);
        let shared = Arc::new(TtyShared {
            multi,
            title: title.to_string(),
            color,
            state: Mutex::new(TtyState::default()),
        });
        let (stop, stopped) = mpsc::channel();
        let ticker = spawn_ticker(Arc::downgrade(&shared), stopped);
        TtyRenderer {
            shared,
            stop: Mutex::new(Some(stop)),
            ticker: Mutex::new(ticker),
            out,
        }
    }
}

/// Animates spinners and timers of working lines every `TICK` until `stopped` disconnects
/// (`finish`) or the renderer is gone.
fn spawn_ticker(shared: Weak<TtyShared>, stopped: mpsc::Receiver<()>) -> Option<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("hoist-progress".into())
        .spawn(move || {
            while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(TICK) {
                let Some(shared) = shared.upgrade() else {
                    return;
                };
                // Ticking under the state lock: `finish` cannot complete while a tick
                // draws, and no tick draws after it (the block must not move once the
                // command prints its own output).
                let state = lock(&shared.state);
                if state.finished {
                    return;
                }
                for line in state.lines.values() {
                    if line.status == Status::Working {
                        line.bar.tick();
                    }
                }
                // A draw skipped by indicatif's rate limit is made good here, even when no
                // line is working any more.
                if let Some(header) = &state.header {
                    header.tick();
                }
            }
        })
        .ok()
}

impl Renderer for TtyRenderer {
    fn event(&self, e: Event) {
        let mut state = lock(&self.shared.state);
        if state.finished {
            return;
        }
        self.shared.apply(&mut state, &e);
        self.shared.refresh(&mut state);
    }

    fn log(&self, line: &str) {
        let _ = self.shared.multi.println(line);
    }

    fn finish(&self) {
        {
            let mut state = lock(&self.shared.state);
            if state.finished {
                return;
            }
            state.finished = true;
            self.shared.refresh(&mut state);
            // Finished bars stay on screen and are never drawn again, even when dropped.
            if let Some(header) = &state.header {
                header.finish();
            }
            for id in &state.order {
                if let Some(line) = state.lines.get(id) {
                    line.bar.finish();
                }
            }
            if state.header.is_some() {
                // indicatif leaves the cursor at the end of the last line; what comes next
                // (the command's output, another block) starts on a line of its own.
                let mut out = lock(&self.out);
                let _ = out.write_all(b"\n").and_then(|_| out.flush());
            }
        }
        lock(&self.stop).take();
        if let Some(handle) = lock(&self.ticker).take() {
            let _ = handle.join();
        }
    }
}

impl Drop for TtyRenderer {
    fn drop(&mut self) {
        self.finish();
    }
}

impl TtyShared {
    /// Records `e` on its line, creating the line (and the header) on a first event.
    fn apply(&self, state: &mut TtyState, e: &Event) {
        let id = e.id();
        if let Some(line) = state.lines.get_mut(&id) {
            line.update(e);
            return;
        }
        if state.header.is_none() {
            let header = ProgressBar::hidden().with_style(header_style());
            state.header = Some(self.multi.add(header));
        }
        // Compose draws a child under its parent only when the parent is itself top-level.
        let parent = e
            .parent
            .clone()
            .filter(|p| state.lines.get(p).is_some_and(|l| l.parent.is_none()));
        let clock = Arc::new(Mutex::new(Clock {
            status: e.status,
            start: e.at,
            end: (e.status != Status::Working).then_some(e.at),
        }));
        let indent = if parent.is_some() { "  " } else { "" };
        let bar = ProgressBar::hidden().with_style(line_style(indent, clock.clone(), self.color));
        let bar = match &parent {
            Some(p) => {
                // After the parent's last child, or the parent itself.
                let after = state
                    .order
                    .iter()
                    .rev()
                    .find(|o| o.as_str() == p || state.lines[*o].parent.as_deref() == Some(p))
                    .map(|o| state.lines[o].bar.clone());
                match after {
                    Some(after) => self.multi.insert_after(&after, bar),
                    None => self.multi.add(bar),
                }
            }
            None => self.multi.add(bar),
        };
        state.order.push(id.clone());
        state.lines.insert(
            id,
            Line {
                bar,
                clock,
                parent,
                text: e.compose_text().to_string(),
                status_text: e.compose_status().to_string(),
                status: e.status,
                transfer: e.transfer.unwrap_or_default(),
                message: String::new(),
            },
        );
    }

    /// Sets every line's text from the current state (the status column is aligned across
    /// all lines, and a parent shows its children's progress) and the header's count.
    fn refresh(&self, state: &mut TtyState) {
        // The header first: a new line never shows under a stale count.
        let total = state.lines.len();
        let done = state
            .lines
            .values()
            .filter(|l| l.status != Status::Working)
            .count();
        if let Some(header) = &state.header {
            let text = format!("[+] {} {done}/{total}", self.title);
            let all_done = total > 0 && done == total;
            header.set_message(palette::DONE.paint_if(self.color && all_done, &text));
        }
        let padding = state
            .order
            .iter()
            .map(|id| {
                let line = &state.lines[id];
                indent_width(line) + width(&format!("{id} {}", line.text))
            })
            .max()
            .unwrap_or(0);
        let messages: Vec<(String, String)> = state
            .order
            .iter()
            .map(|id| (id.clone(), self.message(state, id, padding)))
            .collect();
        for (id, message) in messages {
            if let Some(line) = state.lines.get_mut(&id)
                && line.message != message
            {
                line.bar.set_message(message.clone());
                line.message = message;
            }
        }
    }

    /// The text of line `id` between its spinner and its timer.
    fn message(&self, state: &TtyState, id: &str, padding: usize) -> String {
        let line = &state.lines[id];
        let txt = match (line.status, self.children_progress(state, id)) {
            (Status::Working, Some(progress)) => format!("{id} {progress} {}", line.text),
            _ => format!("{id} {}", line.text),
        };
        let spaces = padding
            .saturating_sub(indent_width(line))
            .saturating_sub(width(&txt));
        let status = match status_color(line.status) {
            Some(c) if self.color => c.paint(&line.status_text),
            _ => line.status_text.clone(),
        };
        format!("{txt}{} {status}", " ".repeat(spaces))
    }

    /// `[⣿⣤⠀]  12.3MB / 45.6MB` for a line with children: one cell per child's percentage,
    /// sizes only when every working child knows its total.
    fn children_progress(&self, state: &TtyState, id: &str) -> Option<String> {
        let children: Vec<&Line> = state
            .order
            .iter()
            .map(|o| &state.lines[o])
            .filter(|l| l.parent.as_deref() == Some(id))
            .collect();
        if children.is_empty() {
            return None;
        }
        let mut cells = String::new();
        let (mut current, mut total, mut hide) = (0u64, 0u64, false);
        for child in &children {
            if child.status == Status::Working && child.transfer.total == 0 {
                hide = true;
            }
            current += child.transfer.current;
            total += child.transfer.total;
            let percent = usize::from(child.transfer.percent.min(100));
            cells.push_str(PERCENT_CHARS[(PERCENT_CHARS.len() - 1) * percent / 100]);
        }
        let mut out = format!("[{}]", palette::SUCCESS.paint_if(self.color, &cells));
        if !hide && total > 0 {
            let _ = write!(
                out,
                " {:>7} / {:<7}",
                human_size(current),
                human_size(total)
            );
        }
        Some(out)
    }
}

impl Line {
    /// Compose's update rules: a status change to done/warning/error stops the clock, going
    /// back to working restarts it; transfer figures only grow.
    fn update(&mut self, e: &Event) {
        {
            let mut clock = lock(&self.clock);
            match e.status {
                Status::Working => clock.end = None,
                s if s != clock.status || clock.end.is_none() => clock.end = Some(e.at),
                _ => {}
            }
            clock.status = e.status;
        }
        self.status = e.status;
        self.text = e.compose_text().to_string();
        self.status_text = e.compose_status().to_string();
        if let Some(t) = e.transfer {
            self.transfer.current = self.transfer.current.max(t.current);
            self.transfer.total = self.transfer.total.max(t.total);
            self.transfer.percent = self.transfer.percent.max(t.percent);
        }
    }
}

fn indent_width(line: &Line) -> usize {
    if line.parent.is_some() { 2 } else { 0 }
}

/// Columns taken by `s` once colour codes are left out (ids and verbs are plain text).
fn width(s: &str) -> usize {
    s.chars().count()
}

fn status_color(status: Status) -> Option<Color> {
    match status {
        Status::Working => None,
        Status::Done => Some(palette::SUCCESS),
        Status::Warning => Some(palette::WARNING),
        Status::Error => Some(palette::ERROR),
    }
}

fn header_style() -> ProgressStyle {
    ProgressStyle::with_template("{msg}").unwrap_or_else(|_| ProgressStyle::default_spinner())
}

/// ` ✔ <message>      0.4s ` with the timer flush right, as Compose aligns it.
fn line_style(indent: &str, clock: Arc<Mutex<Clock>>, color: bool) -> ProgressStyle {
    let template = format!("{indent} {{icon}} {{wide_msg}}{{timer}}");
    let icon_clock = clock.clone();
    ProgressStyle::with_template(&template)
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
        .with_key(
            "icon",
            move |_: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let c = *lock(&icon_clock);
                let _ = w.write_str(&icon(c, Instant::now(), color));
            },
        )
        .with_key(
            "timer",
            move |_: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let c = *lock(&clock);
                let _ = w.write_str(&timer(c, Instant::now(), color));
            },
        )
}

/// The spinner (a frame per 100 ms since the first event) or the final mark.
fn icon(c: Clock, now: Instant, color: bool) -> String {
    let (mark, paint) = match c.status {
        Status::Working => {
            let ticks = now.saturating_duration_since(c.start).as_millis() / TICK.as_millis();
            (
                SPINNER[(ticks % SPINNER.len() as u128) as usize],
                palette::COUNT,
            )
        }
        Status::Done => ("✔", palette::SUCCESS),
        Status::Warning => ("!", palette::WARNING),
        Status::Error => ("✘", palette::ERROR),
    };
    paint.paint_if(color, mark)
}

/// `0.4s ` (with Compose's trailing space): time since the first event, until the end.
fn timer(c: Clock, now: Instant, color: bool) -> String {
    let end = match c.status {
        Status::Working => now,
        _ => c.end.unwrap_or(c.start),
    };
    let secs = end.saturating_duration_since(c.start).as_secs_f64();
    palette::TIMER.paint_if(color, &format!("{secs:.1}s "))
}

/// A byte count as Docker prints it (`go-units.HumanSize`): decimal units, four significant
/// digits, trailing zeros dropped (`0B`, `512B`, `1.5kB`, `12.35MB`).
pub fn human_size(bytes: u64) -> String {
    human_size_with_precision(bytes, 4)
}

/// go-units' `HumanSizeWithPrecision(size, digits)`: decimal units, `%.<digits>g` (`images`
/// prints sizes with 3 digits: `1.98MB`).
pub fn human_size_with_precision(bytes: u64, digits: i32) -> String {
    const UNITS: [&str; 9] = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
    let mut size = bytes as f64;
    let mut unit = 0;
    while size >= 1000.0 && unit < UNITS.len() - 1 {
        size /= 1000.0;
        unit += 1;
    }
    format!("{}{}", go_g(size, digits), UNITS[unit])
}

/// Go's `%.<digits>g` for the values sizes take (no exponent form below 10^digits).
fn go_g(v: f64, digits: i32) -> String {
    if v == 0.0 {
        return "0".into();
    }
    // The exponent after rounding to `digits` digits decides how many decimals remain.
    let precision = (digits - 1).max(0) as usize;
    let sci = format!("{v:.precision$e}");
    let exp: i32 = sci
        .split_once('e')
        .and_then(|(_, e)| e.parse().ok())
        .unwrap_or(0);
    let decimals = (digits - 1 - exp).max(0) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::event::{ResourceKind, text};

    /// A writer the test can read back.
    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<u8>>>);

    impl Write for Capture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            lock(&self.0).extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Capture {
        fn text(&self) -> String {
            String::from_utf8(lock(&self.0).clone()).unwrap()
        }
    }

    fn container(status: Status, text: &str) -> Event {
        Event::new(ResourceKind::Container, "p-web-1", status, text)
    }

    /// The screen a `WIDTH`-column terminal shows after `bytes`, colours dropped. Like
    /// xterm, a character written in the last column leaves the cursor there with a wrap
    /// pending (indicatif fills lines to the last column instead of writing newlines).
    fn screen(bytes: &str) -> Vec<String> {
        let mut rows: Vec<Vec<char>> = vec![Vec::new()];
        let (mut row, mut col, mut pending) = (0usize, 0usize, false);
        let mut chars = bytes.chars();
        while let Some(c) = chars.next() {
            match c {
                '\x1b' => {
                    let mut seq = String::new();
                    chars.next(); // '['
                    for c in chars.by_ref() {
                        seq.push(c);
                        if c.is_ascii_alphabetic() {
                            break;
                        }
                    }
                    let digits = seq.trim_end_matches(|c: char| c.is_ascii_alphabetic());
                    let n: usize = digits.parse().unwrap_or(1);
                    match seq.chars().last() {
                        Some('A') => row = row.saturating_sub(n),
                        Some('B') => row += n,
                        Some('C') => col = (col + n).min(WIDTH - 1),
                        Some('D') => col = col.saturating_sub(n),
                        Some('K') => rows[row].clear(),
                        _ => continue,
                    }
                    pending = false;
                }
                '\r' => {
                    col = 0;
                    pending = false;
                }
                '\n' => {
                    row += 1;
                    col = 0;
                    pending = false;
                }
                c => {
                    if pending {
                        row += 1;
                        col = 0;
                        pending = false;
                    }
                    while rows.len() <= row {
                        rows.push(Vec::new());
                    }
                    let r = &mut rows[row];
                    while r.len() <= col {
                        r.push(' ');
                    }
                    r[col] = c;
                    if col + 1 == WIDTH {
                        pending = true;
                    } else {
                        col += 1;
                    }
                }
            }
            while rows.len() <= row {
                rows.push(Vec::new());
            }
        }
        rows.into_iter()
            .map(|r| r.into_iter().collect::<String>().trim_end().to_string())
            .filter(|r| !r.is_empty())
            .collect()
    }

    const WIDTH: usize = 60;

    #[test]
    fn plain_resource_event_has_two_spaces_after_the_id() {
        let out = Capture::default();
        let r = PlainRenderer::new(Box::new(out.clone()));
        r.event(container(Status::Working, text::STARTING));
        r.event(Event::done(
            ResourceKind::Network,
            "p_default",
            text::CREATED,
        ));
        r.finish();
        assert_eq!(
            out.text(),
            " Container p-web-1  Starting\n Network p_default  Created\n"
        );
    }

    #[test]
    fn plain_pull_event_ends_with_a_space() {
        let out = Capture::default();
        let r = PlainRenderer::new(Box::new(out.clone()));
        r.event(Event::working(ResourceKind::Pull, "web", text::PULLING));
        r.event(Event::error(ResourceKind::Pull, "web", "no such host"));
        assert_eq!(out.text(), " web Pulling \n web Error no such host\n");
    }

    #[test]
    fn plain_resource_error_shows_the_message() {
        let e = Event::error(
            ResourceKind::Container,
            "p-after-1",
            "Error response from daemon: No command specified",
        );
        assert_eq!(
            plain_line(&e),
            " Container p-after-1  Error response from daemon: No command specified\n"
        );
    }

    #[test]
    fn plain_log_is_the_line_alone() {
        let out = Capture::default();
        let r = PlainRenderer::new(Box::new(out.clone()));
        r.log("Gracefully stopping...");
        assert_eq!(out.text(), "Gracefully stopping...\n");
    }

    #[test]
    fn json_resource_event_has_id_and_status() {
        let out = Capture::default();
        let r = JsonRenderer::new(Box::new(out.clone()));
        r.event(container(Status::Done, text::RECREATED));
        assert_eq!(
            out.text(),
            "{\"id\":\"Container p-web-1\",\"status\":\"Recreated\"}\n"
        );
    }

    #[test]
    fn json_pull_event_has_text_then_status() {
        let e = Event::error(
            ResourceKind::Pull,
            "bad",
            "Get \"https://x/v2/\": no such host",
        );
        assert_eq!(
            json_line(&e),
            "{\"id\":\"bad\",\"text\":\"Error\",\"status\":\"Get \\\"https://x/v2/\\\": no such host\"}\n"
        );
        let w = Event::warning(ResourceKind::Pull, "nope", "").with_details(text::INTERRUPTED);
        assert_eq!(
            json_line(&w),
            "{\"id\":\"nope\",\"status\":\"Interrupted\"}\n"
        );
    }

    #[test]
    fn json_layer_event_has_parent_and_progress() {
        let e = Event::layer("web", "a1b2c3", Status::Working, "Downloading")
            .with_transfer(Transfer::new(500, 2000))
            .with_details("[=>  ] 500B/2kB");
        assert_eq!(
            json_line(&e),
            "{\"id\":\"a1b2c3\",\"parent_id\":\"web\",\"text\":\"Downloading\",\
             \"status\":\"[=\\u003e  ] 500B/2kB\",\"current\":500,\"total\":2000,\"percent\":25}\n"
        );
    }

    #[test]
    fn json_escapes_html_like_go() {
        let e = Event::error(ResourceKind::Image, "<none>", "a & b");
        assert_eq!(
            json_line(&e),
            "{\"id\":\"Image \\u003cnone\\u003e\",\"status\":\"a \\u0026 b\"}\n"
        );
    }

    #[test]
    fn json_log_is_a_tail_message() {
        let out = Capture::default();
        let r = JsonRenderer::new(Box::new(out.clone()));
        r.log("hello");
        assert_eq!(out.text(), "{\"tail\":true,\"text\":\"hello\"}\n");
    }

    #[test]
    fn json_error_matches_compose() {
        assert_eq!(
            json_error("boom \"x\""),
            "{\"error\":true,\"message\":\"boom \\\"x\\\"\"}"
        );
    }

    #[test]
    fn quiet_renderer_accepts_everything() {
        let r = QuietRenderer;
        r.event(container(Status::Done, text::STARTED));
        r.log("x");
        r.finish();
    }

    #[test]
    fn auto_progress_follows_the_terminal() {
        assert_eq!(resolve_mode(Progress::Auto, Ansi::Auto, true), Mode::Tty);
        assert_eq!(resolve_mode(Progress::Auto, Ansi::Auto, false), Mode::Plain);
    }

    #[test]
    fn ansi_flag_overrides_auto_progress() {
        assert_eq!(resolve_mode(Progress::Auto, Ansi::Never, true), Mode::Plain);
        assert_eq!(resolve_mode(Progress::Auto, Ansi::Always, false), Mode::Tty);
    }

    #[test]
    fn explicit_progress_wins_over_the_terminal() {
        assert_eq!(resolve_mode(Progress::Tty, Ansi::Auto, false), Mode::Tty);
        assert_eq!(resolve_mode(Progress::Plain, Ansi::Auto, true), Mode::Plain);
        assert_eq!(resolve_mode(Progress::Json, Ansi::Always, true), Mode::Json);
        assert_eq!(
            resolve_mode(Progress::Quiet, Ansi::Never, true),
            Mode::Quiet
        );
    }

    #[test]
    fn contradictory_flags_are_rejected_with_compose_messages() {
        assert_eq!(
            check_modes(Progress::Tty, Ansi::Never).unwrap_err(),
            "can't use --progress tty while ANSI support is disabled"
        );
        assert_eq!(
            check_modes(Progress::Plain, Ansi::Always).unwrap_err(),
            "can't use --progress plain while ANSI support is forced"
        );
        assert!(check_modes(Progress::Json, Ansi::Never).is_ok());
    }

    #[test]
    fn human_size_matches_go_units() {
        assert_eq!(human_size(0), "0B");
        assert_eq!(human_size(512), "512B");
        assert_eq!(human_size(1500), "1.5kB");
        assert_eq!(human_size(12_345_678), "12.35MB");
        assert_eq!(human_size(999_960), "1000kB");
        assert_eq!(human_size(2_000_000_000), "2GB");
    }

    /// A tty renderer drawing into a 60-column capture, without colours.
    fn tty() -> (TtyRenderer, Capture) {
        let out = Capture::default();
        let r = TtyRenderer::to_writer(Box::new(out.clone()), WIDTH as u16, "Running", false);
        (r, out)
    }

    /// A 60-column row: `left`, then `timer` flush right (its trailing space trimmed).
    fn row(left: &str, timer: &str) -> String {
        format!("{left:<55}{timer}").trim_end().to_string()
    }

    #[test]
    fn tty_final_screen_matches_compose_layout() {
        let (r, out) = tty();
        let t0 = Instant::now();
        let at = |ms| t0 + Duration::from_millis(ms);
        r.event(
            Event::working(ResourceKind::Network, "p_default", text::CREATING).with_time(at(0)),
        );
        r.event(Event::done(ResourceKind::Network, "p_default", text::CREATED).with_time(at(100)));
        r.event(container(Status::Working, text::CREATING).with_time(at(100)));
        r.event(container(Status::Done, text::STARTED).with_time(at(500)));
        r.finish();
        assert_eq!(
            screen(&out.text()),
            [
                "[+] Running 2/2".to_string(),
                row(" ✔ Network p_default  Created", "0.1s"),
                row(" ✔ Container p-web-1  Started", "0.4s"),
            ]
        );
    }

    #[test]
    fn tty_status_column_aligns_to_the_longest_id() {
        let (r, out) = tty();
        let t0 = Instant::now();
        r.event(Event::done(ResourceKind::Volume, "v", text::CREATED).with_time(t0));
        r.event(container(Status::Done, text::RUNNING).with_time(t0));
        r.finish();
        assert_eq!(
            screen(&out.text()),
            [
                "[+] Running 2/2".to_string(),
                row(" ✔ Volume v           Created", "0.0s"),
                row(" ✔ Container p-web-1  Running", "0.0s"),
            ]
        );
    }

    #[test]
    fn tty_marks_errors_and_warnings() {
        let (r, out) = tty();
        let t0 = Instant::now();
        r.event(Event::error(ResourceKind::Container, "c-1", "boom").with_time(t0));
        r.event(Event::warning(ResourceKind::Network, "n", text::IN_USE).with_time(t0));
        r.finish();
        assert_eq!(
            screen(&out.text()),
            [
                "[+] Running 2/2".to_string(),
                row(" ✘ Container c-1  boom", "0.0s"),
                row(" ! Network n      Resource is still in use", "0.0s"),
            ]
        );
    }

    #[test]
    fn tty_working_line_keeps_its_spinner_and_counts_as_not_done() {
        let (r, out) = tty();
        r.event(container(Status::Working, text::STARTING));
        r.finish();
        let screen = screen(&out.text());
        assert_eq!(screen[0], "[+] Running 0/1");
        let spinner = screen[1].chars().nth(1).unwrap();
        assert!(
            SPINNER.contains(&spinner.to_string().as_str()),
            "{screen:?}"
        );
        assert!(screen[1].contains("Container p-web-1  Starting"));
    }

    #[test]
    fn tty_layers_sit_under_their_service_with_aggregate_progress() {
        let (r, out) = tty();
        let t0 = Instant::now();
        r.event(Event::working(ResourceKind::Pull, "web", text::PULLING).with_time(t0));
        r.event(Event::working(ResourceKind::Pull, "db", text::PULLING).with_time(t0));
        r.event(
            Event::layer("web", "aaa", Status::Working, "Downloading")
                .with_transfer(Transfer::new(500, 1000))
                .with_time(t0),
        );
        r.event(
            Event::layer("web", "bbb", Status::Done, "Pull complete")
                .with_transfer(Transfer::complete())
                .with_time(t0),
        );
        r.finish();
        let spin = SPINNER[0];
        // Working lines move on with the clock: pin their spinner frame and timer.
        let pinned: Vec<String> = screen(&out.text())
            .iter()
            .map(|row| {
                let row: String = row
                    .chars()
                    .map(|c| match SPINNER.contains(&c.to_string().as_str()) {
                        true => '⠋',
                        false => c,
                    })
                    .collect();
                match row.rsplit_once(' ') {
                    Some((left, t)) if t.ends_with('s') && t.contains('.') => {
                        format!("{left} 0.0s")
                    }
                    _ => row,
                }
            })
            .collect();
        assert_eq!(
            pinned,
            [
                "[+] Running 1/4".to_string(),
                row(
                    &format!(" {spin} web [⣤⣿]    500B / 1kB     Pulling"),
                    "0.0s"
                ),
                row(&format!("   {spin} aaa Downloading"), "0.0s"),
                row("   ✔ bbb Pull complete", "0.0s"),
                row(&format!(" {spin} db Pulling"), "0.0s"),
            ]
        );
    }

    #[test]
    fn tty_colours_status_and_marks() {
        let (r, out) = {
            let out = Capture::default();
            let r = TtyRenderer::to_writer(Box::new(out.clone()), WIDTH as u16, "Running", true);
            (r, out)
        };
        r.event(container(Status::Done, text::STARTED));
        r.finish();
        let text = out.text();
        assert!(text.contains("\x1b[32m✔\x1b[0m"), "{text:?}");
        assert!(text.contains("\x1b[32mStarted\x1b[0m"), "{text:?}");
        assert!(text.contains("\x1b[34m[+] Running 1/1\x1b[0m"), "{text:?}");
    }

    #[test]
    fn tty_log_prints_above_the_block() {
        let (r, out) = tty();
        r.event(container(Status::Done, text::STARTED));
        r.log("a message");
        r.finish();
        let screen = screen(&out.text());
        assert_eq!(screen[0], "a message");
        assert_eq!(screen[1], "[+] Running 1/1");
    }

    #[test]
    fn tty_without_events_prints_nothing() {
        let (r, out) = tty();
        r.finish();
        assert_eq!(out.text(), "");
    }

    #[test]
    fn tty_block_ends_with_a_newline() {
        let (r, out) = tty();
        r.event(container(Status::Done, text::STARTED));
        r.finish();
        assert!(out.text().ends_with(" \n"), "{:?}", out.text());
    }

    #[test]
    fn tty_ignores_events_after_finish_and_finishes_once() {
        let (r, out) = tty();
        r.event(container(Status::Done, text::STARTED));
        r.finish();
        let before = out.text();
        r.event(container(Status::Working, text::STOPPING));
        r.finish();
        assert_eq!(out.text(), before);
    }

    #[test]
    fn renderers_take_events_from_many_threads() {
        let out = Capture::default();
        let renderers: Vec<Arc<dyn Renderer>> = vec![
            Arc::new(PlainRenderer::new(Box::new(out.clone()))),
            Arc::new(JsonRenderer::new(Box::new(out.clone()))),
            Arc::new(TtyRenderer::to_writer(
                Box::new(Capture::default()),
                80,
                "Running",
                true,
            )),
        ];
        for r in renderers {
            let handles: Vec<_> = (0..8)
                .map(|i| {
                    let r = r.clone();
                    std::thread::spawn(move || {
                        let name = format!("p-web-{i}");
                        r.event(Event::working(
                            ResourceKind::Container,
                            &name,
                            text::STARTING,
                        ));
                        r.event(Event::done(ResourceKind::Container, &name, text::STARTED));
                    })
                })
                .collect();
            for h in handles {
                h.join().unwrap();
            }
            r.finish();
        }
        let lines = out.text();
        assert_eq!(lines.lines().count(), 32);
        assert!(
            lines
                .lines()
                .all(|l| l.starts_with(" Container") || l.starts_with("{\"id\""))
        );
    }
}
