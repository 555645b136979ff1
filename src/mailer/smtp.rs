//! The network side of outbox delivery: builds the plain-text message of control-plane spec §11.3 and hands it to
//! an SMTP server with lettre (tokio, rustls), one connection per message.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{SmtpEndpoint, SmtpSecurity};
use crate::service::delivery::Outgoing;

/// Longest wait for the server at each step of a conversation; well below the 60 s lease of a claim.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(20);

/// Why a message was not accepted (the text goes to `lastError`).
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The stored recipient is not an address the message can carry.
    #[error("the recipient address {0} cannot be used: {1}")]
    Recipient(String, String),
    /// The message could not be built.
    #[error("the message could not be built: {0}")]
    Build(String),
    /// The server refused, or the connection failed.
    #[error("{0}")]
    Smtp(String),
}

/// Why a mailer could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("the SMTP delivery cannot be set up: {0}")]
pub struct SetupError(String);

/// An SMTP client for one server and one sender.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from.to_string()).finish()
    }
}

impl Mailer {
    /// A client for `endpoint` sending as `from`.
    pub fn new(endpoint: &SmtpEndpoint, from: &str) -> Result<Mailer, SetupError> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| SetupError(format!("the sender {from} is not an address: {e}")))?;
        let builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(endpoint.host.clone())
            .port(endpoint.port)
            .timeout(Some(COMMAND_TIMEOUT));
        let builder = match endpoint.security {
            SmtpSecurity::Plain => builder,
            SmtpSecurity::Implicit => {
                let parameters = TlsParameters::new(endpoint.host.clone()).map_err(|e| SetupError(e.to_string()))?;
                builder.tls(Tls::Wrapper(parameters))
            }
        };
        let builder = match &endpoint.credentials {
            Some((user, password)) => builder.credentials(Credentials::new(user.clone(), password.clone())),
            None => builder,
        };
        Ok(Mailer {
            transport: builder.build(),
            from,
        })
    }

    /// Sends one message; `Ok` only after the server's final positive reply to the message data.
    pub async fn send(&self, item: &Outgoing) -> Result<(), SendError> {
        let message = message(&self.from, item)?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| SendError::Smtp(e.to_string()))
    }
}

/// The message of control-plane spec §11.3 for an outbox item.
pub fn message(from: &Mailbox, item: &Outgoing) -> Result<Message, SendError> {
    let address: Address = item
        .to
        .parse()
        .map_err(|e: lettre::address::AddressError| SendError::Recipient(item.to.clone(), e.to_string()))?;
    let name = Some(item.to_name.trim().to_owned()).filter(|name| !name.is_empty());
    Message::builder()
        .from(from.clone())
        .to(Mailbox::new(name, address))
        .subject(item.subject.clone())
        .message_id(Some(format!("<{}@partner-center-mirror>", item.id)))
        .header(ContentType::TEXT_PLAIN)
        .body(body(item))
        .map_err(|e| SendError::Build(e.to_string()))
}

/// The plain-text body: who confirmed what for whom, and that a local mirror sent it.
pub fn body(item: &Outgoing) -> String {
    format!(
        "Your partner confirmed your acceptance of an agreement.\r\n\
         \r\n\
         Partner tenant: {partner}\r\n\
         Customer tenant: {customer}\r\n\
         Agreement type: {agreement_type}\r\n\
         Template: {template}\r\n\
         \r\n\
         This message was sent by partner-center-mirror, a local mirror of\r\n\
         Microsoft Partner Center used for development and testing.\r\n\
         It does not come from Microsoft.\r\n",
        partner = item.partner_tenant_id,
        customer = item.customer_tenant_id,
        agreement_type = item.agreement_type,
        template = item.template_id,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item() -> Outgoing {
        Outgoing {
            id: "0d6c5f0e-5a52-4c57-9a3c-0b1e7b6c0e51".into(),
            to: "someone@example.com".into(),
            to_name: "Tania Carr".into(),
            subject: "Your partner confirmed your acceptance of the Microsoft Customer Agreement".into(),
            partner_tenant_id: "3b33e682-00c3-41ee-9dd2-a548adf56438".into(),
            customer_tenant_id: "14876998-c0dc-46e6-9d0c-65a57a6c32ec".into(),
            agreement_type: "MicrosoftCustomerAgreement".into(),
            template_id: "117a77b0-9360-443b-8795-c6dedc750cf9".into(),
            attempts: 0,
        }
    }

    #[test]
    fn the_message_carries_sender_recipient_subject_id_and_a_plain_text_body() {
        let from: Mailbox = "no-reply@partner-center-mirror.invalid".parse().unwrap();
        let text = String::from_utf8(message(&from, &item()).unwrap().formatted()).unwrap();
        let unfolded = text.replace("\r\n ", " ").replace("\r\n\t", "\t");
        assert!(
            unfolded.contains("From: no-reply@partner-center-mirror.invalid\r\n"),
            "{text}"
        );
        assert!(
            unfolded.contains("To: \"Tania Carr\" <someone@example.com>\r\n"),
            "{text}"
        );
        assert!(
            unfolded
                .contains("Subject: Your partner confirmed your acceptance of the Microsoft Customer Agreement\r\n"),
            "{text}"
        );
        assert!(
            unfolded.contains("Message-ID: <0d6c5f0e-5a52-4c57-9a3c-0b1e7b6c0e51@partner-center-mirror>\r\n"),
            "{text}"
        );
        assert!(
            unfolded.contains("Content-Type: text/plain; charset=utf-8\r\n"),
            "{text}"
        );
        assert!(unfolded.contains("Content-Transfer-Encoding: 7bit\r\n"), "{text}");
        for named in [
            "3b33e682-00c3-41ee-9dd2-a548adf56438",
            "14876998-c0dc-46e6-9d0c-65a57a6c32ec",
            "MicrosoftCustomerAgreement",
            "117a77b0-9360-443b-8795-c6dedc750cf9",
            "local mirror",
        ] {
            assert!(text.contains(named), "{named} missing from {text}");
        }
    }

    #[test]
    fn an_unusable_recipient_is_an_error_not_a_panic() {
        let from: Mailbox = "no-reply@partner-center-mirror.invalid".parse().unwrap();
        let mut bad = item();
        bad.to = "not an address".into();
        assert!(matches!(message(&from, &bad), Err(SendError::Recipient(..))));
    }
}
