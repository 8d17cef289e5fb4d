//! Sync over TLS: the real server behind a TLS-terminating proxy (as a platform runs it
//! behind its ingress), with a certificate from a throwaway private CA. Trusted through
//! `ca_file`, a push and a pull work end to end; without it the client refuses the
//! certificate at once, with an error that says what to do, and retries nothing.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use common::{new_tenant, Client, TestServer};
use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair, SanType};
use tenantry_store::testing::TestMirror;
use tenantry_sync::{Role, SyncError};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls;
use tokio_rustls::TlsAcceptor;

/// A private CA and a server certificate it issued for `localhost` and 127.0.0.1.
struct Pki {
    ca_pem: String,
    server_chain: Vec<rustls::pki_types::CertificateDer<'static>>,
    server_key: rustls::pki_types::PrivateKeyDer<'static>,
}

fn private_ca() -> Pki {
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Tenantry test CA");
    let ca = ca_params.self_signed(&ca_key).expect("CA certificate");

    let server_key = KeyPair::generate().expect("server key");
    let mut params = CertificateParams::new(vec!["localhost".to_owned()]).expect("params");
    params
        .subject_alt_names
        .push(SanType::IpAddress(std::net::Ipv4Addr::LOCALHOST.into()));
    let server = params
        .signed_by(&server_key, &ca, &ca_key)
        .expect("server certificate");
    Pki {
        ca_pem: ca.pem(),
        server_chain: vec![server.der().clone()],
        server_key: rustls::pki_types::PrivateKeyDer::Pkcs8(server_key.serialize_der().into()),
    }
}

/// Terminates TLS on a loopback port and relays plain HTTP to `upstream`.
async fn tls_proxy(pki: &Pki, upstream: SocketAddr) -> SocketAddr {
    tenantry_sync::tls::install_crypto_provider();
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(pki.server_chain.clone(), pki.server_key.clone_key())
        .expect("server TLS config");
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client that refuses our certificate ends the handshake: nothing to relay.
                let Ok(mut tls) = acceptor.accept(client).await else {
                    return;
                };
                let Ok(mut server) = TcpStream::connect(upstream).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut server).await;
            });
        }
    });
    address
}

#[tokio::test]
async fn push_and_pull_over_tls_with_a_private_ca_and_refuse_an_untrusted_certificate() {
    let server = TestServer::start().await;
    let pki = private_ca();
    let proxy = tls_proxy(&pki, server.address).await;
    let url = format!("https://127.0.0.1:{}", proxy.port());
    let dir = tempfile::tempdir().expect("dir");
    let ca_file = dir.path().join("platform-ca.pem");
    std::fs::write(&ca_file, &pki.ca_pem).expect("write CA");

    let author_mirror = TestMirror::sqlite().await;
    let author = Client {
        store: author_mirror.store.clone(),
        staff: server.staff("Avery Author", Role::AccountManager).await,
    };
    let tenant = new_tenant("Harbour Clinic");
    let hash = author.create(&tenant).await;

    // Without the CA the certificate is refused at once: nothing sent, nothing retried,
    // and the change set still waits in the outbox.
    let mut untrusting = author.config(&url);
    untrusting.ca_file = None;
    let syncer = tenantry_sync::Syncer::new(author.store.clone(), untrusting).expect("syncer");
    let error = syncer
        .push(&author.staff.signer())
        .await
        .expect_err("an untrusted certificate");
    assert!(
        matches!(error, SyncError::UntrustedCertificate { .. }),
        "{error:?}"
    );
    assert!(!error.is_retryable());
    assert!(
        error.to_string().contains("TENANTRY_SERVER_CA_FILE"),
        "the message says what to do: {error}"
    );
    assert!(server.all().await.is_empty(), "nothing reached the server");

    // Trusting the platform's CA: the push goes through TLS and the outbox empties.
    let mut trusting = author.config(&url);
    trusting.ca_file = Some(ca_file.clone());
    let syncer = tenantry_sync::Syncer::new(author.store.clone(), trusting).expect("syncer");
    let report = syncer
        .push(&author.staff.signer())
        .await
        .expect("push over TLS");
    assert_eq!(report.sent, 1, "{report:?}");
    assert_eq!(syncer.status().await.expect("status").outbox, 0);
    let stored: Vec<String> = server.all().await.into_iter().map(|(_, h, _)| h).collect();
    assert_eq!(stored, vec![hash.clone()]);

    // A second mirror pulls it over TLS and verifies it.
    let reader_mirror = TestMirror::sqlite().await;
    let reader = Client {
        store: reader_mirror.store.clone(),
        staff: server.staff("Rowan Reader", Role::ComplianceOfficer).await,
    };
    let mut config = reader.config(&url);
    config.ca_file = Some(ca_file);
    let syncer = tenantry_sync::Syncer::new(reader.store.clone(), config).expect("syncer");
    let pulled = syncer
        .pull(&reader.staff.signer())
        .await
        .expect("pull over TLS");
    assert_eq!(pulled.ingested, 1, "{pulled:?}");
    assert_eq!(
        reader.store.head(&tenant.tenant.id).await.expect("head"),
        Some(hash)
    );

    author_mirror.remove().await;
    reader_mirror.remove().await;
}

#[test]
fn plain_http_to_another_machine_is_refused_before_any_request() {
    let error = tenantry_sync::normalise_url("http://sync.example.com:8480")
        .expect_err("plain http off this machine");
    assert!(matches!(error, SyncError::InsecureUrl(_)), "{error:?}");
    assert!(error.to_string().contains("https://"), "{error}");
}
