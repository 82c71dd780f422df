//! Waking followers of the change log across servers: every transaction that appends to
//! the log also calls `pg_notify` (delivered by PostgreSQL when, and only if, it commits),
//! and each store listens on one dedicated connection. A live subscriber on server B thus
//! hears of a post published on server A at once, and an idle server sends no queries.
//!
//! The listener is started by the first [`watercooler_core::Store::wait_for_change`]. Its
//! connection has a pool of its own, so it never takes a connection from the store's pool
//! (nor keeps [`crate::PgStore::close`] waiting for one). When the connection is lost,
//! sqlx reconnects and listens again; notifications sent meanwhile are lost, so every
//! waiter is woken to read the log itself, which is the source of truth.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use tokio::sync::{Mutex, Notify};
use tokio::task::JoinHandle;
use watercooler_core::Result;

use crate::error::db;

/// The channel every store notifies and listens on; the payload is the schema, so stores
/// of other schemas in the same database ignore each other's writes.
pub(crate) const CHANNEL: &str = "watercooler_changes";

/// The longest pause before the listener tries again after an error (it doubles from 50 ms).
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// One store's listener and the waiters it wakes.
pub(crate) struct Wake {
    connect: PgConnectOptions,
    schema: String,
    /// Woken on every notification of this schema, and on a lost connection.
    pub(crate) changed: Arc<Notify>,
    stop: Arc<Notify>,
    stopped: Arc<AtomicBool>,
    /// The listener task. It ends with the runtime it was spawned on; the next wait from
    /// another runtime starts a new one.
    listener: Mutex<Option<JoinHandle<()>>>,
}

impl Wake {
    pub(crate) fn new(connect: PgConnectOptions, schema: String) -> Wake {
        Wake {
            connect,
            schema,
            changed: Arc::new(Notify::new()),
            stop: Arc::new(Notify::new()),
            stopped: Arc::new(AtomicBool::new(false)),
            listener: Mutex::new(None),
        }
    }

    /// Starts listening unless a listener runs; returns when `LISTEN` is in place, so a
    /// write committed after this returns is heard.
    pub(crate) async fn ensure_listening(self: &Arc<Wake>) -> Result<()> {
        let mut running = self.listener.lock().await;
        if running.as_ref().is_some_and(|h| !h.is_finished()) {
            return Ok(());
        }
        if self.stopped.load(Ordering::Acquire) {
            return Err(watercooler_core::Error::backend("the store is closed"));
        }
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .connect_lazy_with(self.connect.clone());
        let mut listener = PgListener::connect_with(&pool).await.map_err(db)?;
        listener.listen(CHANNEL).await.map_err(db)?;
        *running = Some(tokio::spawn(listen(
            listener,
            self.schema.clone(),
            Arc::clone(&self.changed),
            Arc::clone(&self.stop),
            Arc::clone(&self.stopped),
            Arc::downgrade(self),
        )));
        Ok(())
    }

    /// Ends the listener (on [`crate::PgStore::close`]).
    pub(crate) fn shut_down(&self) {
        self.stopped.store(true, Ordering::Release);
        self.stop.notify_waiters();
        self.changed.notify_waiters();
    }
}

/// Receives notifications until the store is closed or dropped; each round waits for one
/// notification or one error.
async fn listen(
    mut listener: PgListener,
    schema: String,
    changed: Arc<Notify>,
    stop: Arc<Notify>,
    stopped: Arc<AtomicBool>,
    owner: Weak<Wake>,
) {
    let mut backoff = Duration::from_millis(50);
    loop {
        if stopped.load(Ordering::Acquire) || owner.strong_count() == 0 {
            return;
        }
        let stopping = stop.notified();
        tokio::select! {
            got = listener.try_recv() => match got {
                Ok(Some(n)) => {
                    backoff = Duration::from_millis(50);
                    if n.payload() == schema {
                        changed.notify_waiters();
                    }
                }
                // The connection was lost; the next call reconnects and listens again.
                // Whatever was sent meanwhile is lost: waiters read the log themselves.
                Ok(None) => changed.notify_waiters(),
                Err(e) => {
                    tracing::warn!(error = %e, "change-log listener failed; retrying");
                    changed.notify_waiters();
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            },
            () = stopping => return,
        }
    }
}
