//! TLS for central with the airline's certificate (PEM files), so device
//! tokens never cross the airport network in clear. Handshakes run in their
//! own tasks (bounded in time): a slow or hostile client cannot hold up
//! the accept loop. At most `max_pending` connections are taken from the
//! kernel before they are served (in their handshake, or finished and
//! waiting for a place among the served ones), so central's open sockets
//! stay bounded over TLS as they are without it: the rest wait in the
//! kernel's accept queue.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc};
use tokio_native_tls::TlsStream;

/// How long a client may take to finish its TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("the certificate or key is not usable (PEM certificate chain, PKCS#8 key): {0}")]
    Identity(native_tls::Error),
    #[error("cannot read the listener's address: {0}")]
    Addr(std::io::Error),
}

/// A listener for `axum::serve` that hands out finished TLS connections.
pub struct TlsListener {
    addr: SocketAddr,
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    accept_task: tokio::task::JoinHandle<()>,
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.accept_task.abort();
    }
}

/// Wraps `tcp` in TLS with the certificate chain and PKCS#8 key (both PEM),
/// holding at most `max_pending` connections not yet served.
pub fn listener(
    tcp: TcpListener,
    cert_pem: &[u8],
    key_pem: &[u8],
    max_pending: usize,
) -> Result<TlsListener, TlsError> {
    let identity = native_tls::Identity::from_pkcs8(cert_pem, key_pem).map_err(TlsError::Identity)?;
    let acceptor = native_tls::TlsAcceptor::builder(identity)
        .min_protocol_version(Some(native_tls::Protocol::Tlsv12))
        .build()
        .map_err(TlsError::Identity)?;
    let acceptor = tokio_native_tls::TlsAcceptor::from(acceptor);
    let addr = tcp.local_addr().map_err(TlsError::Addr)?;
    let (tx, ready) = mpsc::channel(64);
    let pending = Arc::new(Semaphore::new(max_pending.max(1)));
    let accept_task = tokio::spawn(async move {
        loop {
            let Ok(place) = pending.clone().acquire_owned().await else { return };
            let (stream, peer) = match tcp.accept().await {
                Ok(c) => c,
                Err(e) => {
                    // Out of file descriptors and the like: wait, then retry.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let (acceptor, tx) = (acceptor.clone(), tx.clone());
            tokio::spawn(async move {
                match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                    // Served within the handshake's time, or closed: a
                    // full server does not collect waiting sockets.
                    Ok(Ok(tls)) => {
                        if tokio::time::timeout(HANDSHAKE_TIMEOUT, tx.send((tls, peer))).await.is_err() {
                            tracing::info!(%peer, "no place to serve a TLS connection: closed");
                        }
                    }
                    Ok(Err(e)) => tracing::info!(%peer, error = %e, "TLS handshake failed"),
                    Err(_) => tracing::info!(%peer, "TLS handshake timed out"),
                }
                drop(place);
            });
        }
    });
    Ok(TlsListener { addr, ready, accept_task })
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(c) => c,
            // The accept task never ends on its own; if it did, stop
            // accepting rather than spin.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.addr)
    }
}
