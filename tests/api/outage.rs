//! Database outages on PostgreSQL (skipped without `PCM_TEST_POSTGRES_URL`): with a TCP proxy between the server
//! and PostgreSQL stopped, `/v1` answers 503 shape A within the connect timeout and readiness answers 503 990170;
//! started again, the same server serves again without a restart.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::{AbortHandle, JoinHandle};

use crate::helpers::{
    assert_collection, assert_fault, assert_fault_from, require_postgres, spawn_app_on, url_host_port,
    url_with_host_port, Partner, TestApp, TestDatabase,
};

/// A TCP forwarder that can be stopped (port closed, every connection cut) and started again on the same port.
struct Proxy {
    port: u16,
    upstream: String,
    acceptor: Option<JoinHandle<()>>,
    connections: Arc<Mutex<Vec<AbortHandle>>>,
}

impl Proxy {
    async fn start(upstream: &str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("the proxy binds");
        let port = listener.local_addr().expect("a local address").port();
        let mut proxy = Proxy {
            port,
            upstream: upstream.to_owned(),
            acceptor: None,
            connections: Arc::new(Mutex::new(Vec::new())),
        };
        proxy.serve(listener);
        proxy
    }

    fn serve(&mut self, listener: TcpListener) {
        let upstream = self.upstream.clone();
        let connections = self.connections.clone();
        self.acceptor = Some(tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let upstream = upstream.clone();
                let task = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                connections
                    .lock()
                    .expect("the connection list")
                    .push(task.abort_handle());
            }
        }));
    }

    /// Closes the port and cuts every open connection.
    async fn stop(&mut self) {
        if let Some(acceptor) = self.acceptor.take() {
            acceptor.abort();
            let _ = acceptor.await;
        }
        for connection in self.connections.lock().expect("the connection list").drain(..) {
            connection.abort();
        }
    }

    /// Listens on the same port again.
    async fn restart(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        let listener = loop {
            match TcpListener::bind(("127.0.0.1", self.port)).await {
                Ok(listener) => break listener,
                Err(error) if Instant::now() < deadline => {
                    let _ = error;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(error) => panic!("the proxy cannot listen on port {} again: {error}", self.port),
            }
        };
        self.serve(listener);
    }

    fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(acceptor) = self.acceptor.take() {
            acceptor.abort();
        }
        if let Ok(mut connections) = self.connections.lock() {
            for connection in connections.drain(..) {
                connection.abort();
            }
        }
    }
}

/// A fresh database, a proxy in front of its server, and a mirror connected through the proxy.
async fn behind_a_proxy(test: &str, connect_timeout: u64) -> Option<(TestDatabase, Proxy, TestApp)> {
    let admin = require_postgres(&format!("outage::{test}"))?;
    let database = TestDatabase::create_async(&admin).await;
    let proxy = Proxy::start(&url_host_port(&admin)).await;
    let url = url_with_host_port(&database.url, &proxy.address());
    let app = spawn_app_on(&url, |settings| {
        settings.database.db_connect_timeout_seconds = connect_timeout;
        settings.database.db_statement_timeout_seconds = 5;
    })
    .await;
    Some((database, proxy, app))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn with_postgres_unreachable_v1_answers_503_in_time_and_service_resumes_when_it_returns() {
    let Some((_database, mut proxy, app)) = behind_a_proxy(
        "with_postgres_unreachable_v1_answers_503_in_time_and_service_resumes_when_it_returns",
        2,
    )
    .await
    else {
        return;
    };
    let partner = Partner::fresh();
    let customer = crate::helpers::create_customer(&app, &partner.token).await;
    assert_collection(&app.get("/v1/customers", &partner.token).await, "/customers");

    proxy.stop().await;
    for path in ["/v1/customers", "/v1/agreements"] {
        let started = Instant::now();
        let reply = app.get(path, &partner.token).await;
        let elapsed = started.elapsed();
        assert_fault(&reply, 503, 800003);
        assert!(
            elapsed < Duration::from_millis(4000),
            "answered within the 2 s connect timeout (plus slack), took {elapsed:?}"
        );
    }
    let posted = app
        .post_json(
            &format!("/v1/customers/{customer}/agreements"),
            &partner.token,
            &crate::helpers::attestation_body(),
        )
        .await;
    assert_fault(&posted, 503, 800003);
    let ready = app.get_anonymous("/_mirror/ready").await;
    assert_fault_from(&ready, 503, 990170, "PartnerCenterMirror");
    let health = app.get_anonymous("/_mirror/health").await;
    health.assert_status(200);

    proxy.restart().await;
    let deadline = Instant::now() + Duration::from_secs(20);
    let listed = loop {
        let reply = app.get("/v1/customers", &partner.token).await;
        if reply.status == 200 || Instant::now() >= deadline {
            break reply;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let items = assert_collection(&listed, "/customers");
    assert_eq!(items.len(), 1, "the data is still there");
    app.wait_ready(Duration::from_secs(10)).await.assert_status(200);
    crate::helpers::attest(&app, &partner.token, &customer, &crate::helpers::attestation_body())
        .await
        .assert_status(201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_request_id_answered_503_during_an_outage_runs_when_the_database_returns() {
    let Some((_database, mut proxy, app)) = behind_a_proxy(
        "a_request_id_answered_503_during_an_outage_runs_when_the_database_returns",
        2,
    )
    .await
    else {
        return;
    };
    let partner = Partner::fresh();
    let customer = crate::helpers::create_customer(&app, &partner.token).await;
    let path = format!("/v1/customers/{customer}/agreements");
    let id = crate::helpers::new_guid();
    proxy.stop().await;
    let failed = app
        .post_json_with_id(&path, &partner.token, &crate::helpers::attestation_body(), &id)
        .await;
    assert_fault(&failed, 503, 800003);
    proxy.restart().await;
    app.wait_ready(Duration::from_secs(20)).await.assert_status(200);
    let retried = app
        .post_json_with_id(&path, &partner.token, &crate::helpers::attestation_body(), &id)
        .await;
    retried.assert_status(201);
    assert!(retried.headers.get("ms-replayed").is_none(), "executed, not replayed");
}
