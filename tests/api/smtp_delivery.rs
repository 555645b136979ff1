//! Tests of the optional SMTP delivery of the outbox (control-plane spec §11.2, §11.3): a small SMTP server written
//! here receives what the mirror sends; it can refuse attempts to show retries, the pending status and that every
//! message still arrives exactly once.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::helpers::*;

/// The subject the mirror stores for attestation notifications.
const SUBJECT: &str = "Your partner confirmed your acceptance of the Microsoft Customer Agreement";

// ------------------------------------------------------------- the sink

/// A message the sink accepted.
#[derive(Debug, Clone)]
struct Received {
    /// Envelope recipients (`RCPT TO`).
    recipients: Vec<String>,
    /// Header lines, unfolded: (name, value).
    headers: Vec<(String, String)>,
    /// The body after the blank line.
    body: String,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("header {name} missing in {:?}", self.headers))
    }
}

#[derive(Debug, Default)]
struct SinkState {
    /// Message transfers to refuse with 451 after the data, counted from the start.
    refuse_first: usize,
    /// Message transfers that ended with the data (refused or accepted).
    attempts: usize,
    /// Accepted messages, in order.
    received: Vec<Received>,
}

/// An SMTP server on 127.0.0.1 that keeps what it accepts.
struct Sink {
    address: SocketAddr,
    state: Arc<Mutex<SinkState>>,
    task: JoinHandle<()>,
}

impl Sink {
    /// A sink that refuses the first `refusals` message transfers (`usize::MAX`: until [`Sink::accept_from_now`]).
    async fn start(refusals: usize) -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("the sink binds");
        let address = listener.local_addr().expect("the sink's address");
        let state = Arc::new(Mutex::new(SinkState {
            refuse_first: refusals,
            ..SinkState::default()
        }));
        let shared = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = shared.clone();
                tokio::spawn(async move {
                    let _ = session(stream, state).await;
                });
            }
        });
        Sink { address, state, task }
    }

    fn url(&self) -> String {
        format!("smtp://{}", self.address)
    }

    fn accept_from_now(&self) {
        let mut state = self.state.lock().unwrap();
        state.refuse_first = state.attempts;
    }

    fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }

    fn attempts(&self) -> usize {
        self.state.lock().unwrap().attempts
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One SMTP conversation: greeting, EHLO/HELO, MAIL, RCPT, DATA … `.`, RSET, NOOP, QUIT.
async fn session(stream: TcpStream, state: Arc<Mutex<SinkState>>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    write.write_all(b"220 sink.test ESMTP test sink\r\n").await?;
    let mut recipients = Vec::new();
    loop {
        let Some(line) = read_line(&mut reader).await? else {
            return Ok(());
        };
        let verb = line.split(' ').next().unwrap_or("").to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-sink.test greets you\r\n250 8BITMIME\r\n",
            "HELO" | "NOOP" => b"250 sink.test\r\n",
            "MAIL" | "RSET" => {
                recipients.clear();
                b"250 2.1.0 OK\r\n"
            }
            "RCPT" => {
                let address = line.split_once(':').map_or("", |(_, a)| a.trim());
                recipients.push(address.trim_start_matches('<').trim_end_matches('>').to_owned());
                b"250 2.1.5 OK\r\n"
            }
            "DATA" => {
                write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                let mut lines = Vec::new();
                loop {
                    let Some(line) = read_line(&mut reader).await? else {
                        return Ok(());
                    };
                    if line == "." {
                        break;
                    }
                    lines.push(line.strip_prefix('.').map_or(line.clone(), str::to_owned));
                }
                let accepted = {
                    let mut state = state.lock().unwrap();
                    state.attempts += 1;
                    if state.attempts > state.refuse_first {
                        state
                            .received
                            .push(parse_message(std::mem::take(&mut recipients), &lines));
                        true
                    } else {
                        false
                    }
                };
                if accepted {
                    b"250 2.0.0 queued\r\n"
                } else {
                    b"451 4.3.0 sink refuses for now, try again later\r\n"
                }
            }
            "QUIT" => {
                write.write_all(b"221 2.0.0 bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 5.5.2 command not implemented\r\n",
        };
        write.write_all(reply).await?;
    }
}

async fn read_line(reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> std::io::Result<Option<String>> {
    let mut bytes = Vec::new();
    if reader.read_until(b'\n', &mut bytes).await? == 0 {
        return Ok(None);
    }
    let text = String::from_utf8_lossy(&bytes);
    Ok(Some(text.trim_end_matches(['\r', '\n']).to_owned()))
}

fn parse_message(recipients: Vec<String>, lines: &[String]) -> Received {
    let blank = lines.iter().position(String::is_empty).unwrap_or(lines.len());
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in &lines[..blank] {
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = headers.last_mut() {
                value.push_str(line);
            }
        } else if let Some((name, value)) = line.split_once(':') {
            headers.push((name.to_owned(), value.trim_start().to_owned()));
        }
    }
    Received {
        recipients,
        headers,
        body: lines.get(blank + 1..).unwrap_or_default().join("\n"),
    }
}

// ------------------------------------------------------------- helpers

async fn control(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> Reply {
    let builder = app.request(method, path, None);
    let builder = match body {
        Some(body) => builder.json(&body),
        None => builder,
    };
    send(builder).await
}

/// A server delivering to `sink`, retrying after 20 ms, 40 ms, 80 ms … instead of seconds.
async fn spawn_app_sending_to(sink: &Sink) -> TestApp {
    let url = sink.url();
    spawn_app_with(move |settings| {
        settings.smtp.smtp_url = Some(url);
        settings.smtp.smtp_retry_base_ms = 10;
    })
    .await
}

/// A partner registered through the control plane.
async fn registered_partner(app: &TestApp) -> Partner {
    let partner = Partner::fresh();
    let reply = control(
        app,
        Method::PUT,
        &format!("/_mirror/partners/{}", partner.tenant),
        Some(json!({})),
    )
    .await;
    assert!(reply.status == 201 || reply.status == 200, "{}", reply.text());
    partner
}

/// A customer of `partner` with an attested Customer Agreement for `email`.
async fn attested_customer(app: &TestApp, partner: &Partner, first: &str, email: &str) -> String {
    let customer = create_customer(app, &partner.token).await;
    attest(app, &partner.token, &customer, &attestation(first, "Carr", email, None))
        .await
        .assert_status(201);
    customer
}

async fn advance_partner_clock(app: &TestApp, partner: &Partner, seconds: u64) {
    control(
        app,
        Method::POST,
        &format!("/_mirror/partners/{}/clock", partner.tenant),
        Some(json!({ "advanceSeconds": seconds })),
    )
    .await
    .assert_status(200);
}

/// The outbox items of one customer.
async fn outbox_of(app: &TestApp, customer: &str) -> Vec<Value> {
    let reply = control(
        app,
        Method::GET,
        &format!("/_mirror/notifications?customerTenantId={customer}"),
        None,
    )
    .await;
    reply.assert_status(200);
    reply.body["items"].as_array().expect("items").clone()
}

/// Polls the customer's only outbox item until `done` holds (20 s at most).
async fn poll_item(app: &TestApp, customer: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let items = outbox_of(app, customer).await;
        assert_eq!(items.len(), 1, "one message for {customer}: {items:?}");
        if done(&items[0]) {
            return items[0].clone();
        }
        assert!(
            Instant::now() < deadline,
            "{what} never happened; the item reads {}",
            items[0]
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn status_is(status: &'static str) -> impl Fn(&Value) -> bool {
    move |item| item["status"] == json!(status)
}

fn instant(value: &Value) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(value.as_str().expect("a date-time")).expect("an RFC 3339 date-time")
}

/// Asserts that `message` is the one of §11.3 for the outbox `item`.
fn assert_message_for(message: &Received, item: &Value, to: &str) {
    let id = item["id"].as_str().expect("an id");
    assert_eq!(message.header("Message-ID"), format!("<{id}@partner-center-mirror>"));
    assert_eq!(message.header("From"), "no-reply@partner-center-mirror.invalid");
    assert_eq!(message.header("To"), to);
    assert_eq!(message.header("Subject"), SUBJECT);
    assert_eq!(item["subject"], json!(SUBJECT));
    assert_eq!(message.recipients, vec![item["to"].as_str().expect("to").to_owned()]);
    for named in ["partnerTenantId", "customerTenantId", "agreementType", "templateId"] {
        let value = item[named].as_str().expect("a member");
        assert!(
            message.body.contains(value),
            "{named} {value} missing from {}",
            message.body
        );
    }
    assert!(message.body.contains("local mirror"), "{}", message.body);
}

// ------------------------------------------------------------- tests

#[tokio::test]
async fn a_notification_is_scheduled_until_due_then_sent_over_smtp_and_delivered_on_the_partner_clock() {
    let sink = Sink::start(0).await;
    let app = spawn_app_sending_to(&sink).await;
    let partner = registered_partner(&app).await;
    let customer = attested_customer(&app, &partner, "Tania", "someone@example.com").await;

    let items = outbox_of(&app, &customer).await;
    assert_eq!(items.len(), 1);
    let item = &items[0];
    assert_eq!(item["status"], json!("scheduled"));
    assert_eq!(item["deliveredAt"], Value::Null);
    assert_eq!(item["attempts"], json!(0));
    assert!(sink.received().is_empty(), "nothing is sent before dueAt");

    advance_partner_clock(&app, &partner, 1800).await;
    let delivered = poll_item(&app, &customer, "delivery", status_is("delivered")).await;
    assert_eq!(delivered["attempts"], json!(0));
    assert_eq!(delivered["lastError"], Value::Null);
    // Stored at acceptance on the partner's clock, which had reached dueAt.
    assert!(
        instant(&delivered["deliveredAt"]) >= instant(&delivered["dueAt"]),
        "{delivered}"
    );

    let received = sink.received();
    assert_eq!(received.len(), 1, "exactly one message: {received:?}");
    assert_message_for(&received[0], &delivered, "\"Tania Carr\" <someone@example.com>");

    let stored = outbox_of(&app, &customer).await;
    assert_eq!(
        stored[0]["deliveredAt"], delivered["deliveredAt"],
        "deliveredAt is stored, never recomputed"
    );
    let pending = control(&app, Method::GET, "/_mirror/notifications?status=pending", None).await;
    assert_eq!(pending.body["totalCount"], json!(0));
}

#[tokio::test]
async fn a_due_notification_stays_pending_with_the_last_error_while_the_server_refuses_it() {
    let sink = Sink::start(usize::MAX).await;
    let app = spawn_app_sending_to(&sink).await;
    let partner = registered_partner(&app).await;
    let customer = attested_customer(&app, &partner, "Tania", "someone@example.com").await;
    advance_partner_clock(&app, &partner, 1800).await;

    let refused = poll_item(&app, &customer, "two refused attempts", |item| {
        item["attempts"].as_i64().unwrap_or(0) >= 2
    })
    .await;
    assert_eq!(refused["status"], json!("pending"));
    assert_eq!(refused["deliveredAt"], Value::Null);
    let error = refused["lastError"].as_str().expect("lastError is set");
    assert!(error.contains("451"), "{error}");
    let pending = control(
        &app,
        Method::GET,
        &format!(
            "/_mirror/notifications?status=pending&partnerTenantId={}",
            partner.tenant
        ),
        None,
    )
    .await;
    assert_eq!(pending.body["totalCount"], json!(1));
    assert!(sink.received().is_empty());

    sink.accept_from_now();
    let delivered = poll_item(&app, &customer, "delivery", status_is("delivered")).await;
    assert!(delivered["attempts"].as_i64().unwrap() >= 2, "{delivered}");
    let received = sink.received();
    assert_eq!(received.len(), 1, "exactly one message: {received:?}");
    assert_message_for(&received[0], &delivered, "\"Tania Carr\" <someone@example.com>");
}

#[tokio::test]
async fn a_server_refusing_the_first_attempts_still_receives_every_message_exactly_once() {
    let sink = Sink::start(3).await;
    let app = spawn_app_sending_to(&sink).await;
    let partner = registered_partner(&app).await;
    let people = [
        ("Ana", "ana@example.com"),
        ("Ben", "ben@example.com"),
        ("Cleo", "cleo@example.com"),
    ];
    let mut customers = Vec::new();
    for (first, email) in people {
        customers.push(attested_customer(&app, &partner, first, email).await);
    }
    advance_partner_clock(&app, &partner, 1800).await;

    let mut delivered = Vec::new();
    for customer in &customers {
        delivered.push(poll_item(&app, customer, "delivery", status_is("delivered")).await);
    }
    let received = sink.received();
    assert_eq!(received.len(), 3, "one message per item: {received:?}");
    assert_eq!(sink.attempts(), 6, "three refusals, then three acceptances");
    let ids: BTreeSet<&str> = received.iter().map(|m| m.header("Message-ID")).collect();
    assert_eq!(ids.len(), 3, "no message arrived twice");
    let total_attempts: i64 = delivered.iter().map(|item| item["attempts"].as_i64().unwrap()).sum();
    assert_eq!(total_attempts, 3, "each refusal is counted on its item");
    for ((first, email), item) in people.iter().zip(&delivered) {
        let id = format!("<{}@partner-center-mirror>", item["id"].as_str().unwrap());
        let message = received
            .iter()
            .find(|m| m.header("Message-ID") == id)
            .unwrap_or_else(|| panic!("no message {id}"));
        assert_message_for(message, item, &format!("\"{first} Carr\" <{email}>"));
        if item["attempts"].as_i64().unwrap() > 0 {
            assert!(item["lastError"].as_str().unwrap().contains("451"), "{item}");
        }
    }
}

#[tokio::test]
async fn a_direct_acceptance_sends_no_message() {
    let sink = Sink::start(0).await;
    let app = spawn_app_sending_to(&sink).await;
    let partner = registered_partner(&app).await;
    let accepted_directly = create_customer(&app, &partner.token).await;
    control(
        &app,
        Method::POST,
        &format!("/_mirror/customers/{accepted_directly}/direct-acceptance"),
        Some(json!({})),
    )
    .await
    .assert_status(200);
    // An attested customer of the same partner, so that a delivery proves the dispatcher went through the outbox.
    let attested = attested_customer(&app, &partner, "Tania", "someone@example.com").await;
    advance_partner_clock(&app, &partner, 1800).await;
    let delivered = poll_item(&app, &attested, "delivery", status_is("delivered")).await;

    assert!(outbox_of(&app, &accepted_directly).await.is_empty());
    let received = sink.received();
    assert_eq!(received.len(), 1, "only the attestation's message: {received:?}");
    assert_message_for(&received[0], &delivered, "\"Tania Carr\" <someone@example.com>");
}

#[tokio::test]
async fn the_dispatcher_stops_with_the_server_and_a_restarted_instance_delivers_what_was_left() {
    let sink = Sink::start(0).await;
    let app = spawn_app_sending_to(&sink).await;
    let partner = registered_partner(&app).await;
    let customer = attested_customer(&app, &partner, "Tania", "someone@example.com").await;
    // Joins only when the server and its dispatcher have both stopped.
    let app = app.restart().await;
    assert!(sink.received().is_empty());
    advance_partner_clock(&app, &partner, 1800).await;
    let delivered = poll_item(&app, &customer, "delivery", status_is("delivered")).await;
    let received = sink.received();
    assert_eq!(received.len(), 1);
    assert_message_for(&received[0], &delivered, "\"Tania Carr\" <someone@example.com>");
}

#[tokio::test]
async fn two_instances_on_one_database_send_each_message_once() {
    let sink = Sink::start(0).await;
    let first = spawn_app_sending_to(&sink).await;
    let url = sink.url();
    let second = spawn_app_beside(&first, move |settings| {
        settings.smtp.smtp_url = Some(url);
        settings.smtp.smtp_retry_base_ms = 10;
    })
    .await;
    let partner = registered_partner(&first).await;
    let mut customers = Vec::new();
    for (first_name, email) in [("Ana", "ana@example.com"), ("Ben", "ben@example.com")] {
        customers.push(attested_customer(&first, &partner, first_name, email).await);
    }
    // Half the way on each instance: both dispatchers are awake when the messages fall due.
    advance_partner_clock(&first, &partner, 900).await;
    advance_partner_clock(&second, &partner, 900).await;
    for customer in &customers {
        poll_item(&second, customer, "delivery", status_is("delivered")).await;
    }
    let received = sink.received();
    let ids: BTreeSet<&str> = received.iter().map(|m| m.header("Message-ID")).collect();
    assert_eq!((received.len(), ids.len()), (2, 2), "each message once: {received:?}");
}
