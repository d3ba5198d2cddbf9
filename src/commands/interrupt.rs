//! Ctrl-C for the commands that handle it themselves (attached `up`, `run`, `attach`),
//! caught from the moment the command starts.
//!
//! tokio only catches SIGINT while somebody listens; before attached `up` reached its log
//! loop, a Ctrl-C killed hoist outright (no stop, no exit code 130). `listen` starts
//! listening at once and counts the interrupts; waiters ask for one beyond those they have
//! already seen, so an interrupt that came early is not lost.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::Notify;

/// The interrupts received so far, shared with whoever waits for them.
#[derive(Clone, Default)]
pub struct Interrupts {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    count: AtomicUsize,
    notify: Notify,
}

impl Interrupts {
    /// Starts catching Ctrl-C (SIGINT) for the rest of the process; when the handler cannot
    /// be installed, none ever comes (the signal then works as it would without hoist).
    pub fn listen() -> Interrupts {
        Interrupts::listen_to(&[SignalKind::interrupt()]).unwrap_or_default()
    }

    /// Starts catching the signals `kinds` (each counts as an interrupt), or says why it
    /// cannot.
    pub fn listen_to(kinds: &[SignalKind]) -> std::io::Result<Interrupts> {
        let interrupts = Interrupts::default();
        for kind in kinds {
            // Installed here, before returning: a signal from now on is counted.
            let mut signals = signal(*kind)?;
            let inner = interrupts.inner.clone();
            tokio::spawn(async move {
                while signals.recv().await.is_some() {
                    inner.count.fetch_add(1, Ordering::SeqCst);
                    inner.notify.notify_waiters();
                }
            });
        }
        Ok(interrupts)
    }

    /// How many interrupts came so far.
    pub fn seen(&self) -> usize {
        self.inner.count.load(Ordering::SeqCst)
    }

    /// Returns once more than `seen` interrupts have come (at once if they already have).
    pub async fn beyond(&self, seen: usize) {
        loop {
            let notified = self.inner.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.seen() > seen {
                return;
            }
            notified.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_interrupt_before_the_wait_is_not_lost() {
        let i = Interrupts::default();
        i.inner.count.fetch_add(1, Ordering::SeqCst);
        tokio::time::timeout(std::time::Duration::from_secs(1), i.beyond(0))
            .await
            .expect("returns at once");
        assert!(
            tokio::time::timeout(std::time::Duration::from_millis(50), i.beyond(1))
                .await
                .is_err(),
            "a second interrupt is still to come"
        );
    }
}
