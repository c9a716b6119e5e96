//! Where mail goes: an SMTP server (lettre), or files for development.

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{SmtpTransport, Transport as _};

use super::model::{Attachment, Message};
use crate::config::{MailConfig, MailTransport, SmtpSecurity};

pub enum Transport {
    Smtp(Box<SmtpTransport>),
    Files(PathBuf),
}

/// A failure to send; the text names the cause without addresses or content.
#[derive(Debug)]
pub struct SendError {
    pub message: String,
    /// No retry: the message cannot be sent as it is.
    pub permanent: bool,
    /// The receiving server refused it for good with a 5xx reply (unknown mailbox, …):
    /// recorded as `bounced`, so organisers see the address is wrong (TOM INPUT-6).
    pub bounced: bool,
}

impl Transport {
    pub fn from_config(config: &MailConfig, data_dir: &std::path::Path) -> Result<Self, String> {
        match config.transport {
            MailTransport::File => Ok(Self::Files(data_dir.join("mail"))),
            MailTransport::Smtp => {
                let smtp = &config.smtp;
                let tls = || TlsParameters::new(smtp.host.clone()).map_err(|e| format!("mail.smtp: {e}"));
                let mut builder =
                    SmtpTransport::builder_dangerous(smtp.host.as_str()).port(smtp.port).timeout(Some(Duration::from_secs(30)));
                builder = match smtp.security {
                    SmtpSecurity::None => builder.tls(Tls::None),
                    SmtpSecurity::Starttls => builder.tls(Tls::Required(tls()?)),
                    SmtpSecurity::Tls => builder.tls(Tls::Wrapper(tls()?)),
                };
                if let (Some(user), Some(password)) = (&smtp.username, &smtp.password) {
                    builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
                }
                Ok(Self::Smtp(Box::new(builder.build())))
            }
        }
    }

    pub fn send(&self, from: &str, id: &str, message: &Message, attachments: &[Attachment]) -> Result<(), SendError> {
        let fail = |message: String| SendError { message, permanent: true, bounced: false };
        let from: Mailbox = from.parse().map_err(|_| fail("mail.from is not a valid address".into()))?;
        let to: Mailbox = message.to.parse().map_err(|_| fail("the recipient address is not valid".into()))?;
        // Files are read by people: unencoded, the link stays in one piece. SMTP gets
        // lettre's choice (quoted-printable for long lines), which every server accepts.
        let body = match self {
            Self::Files(_) => Body::new_with_encoding(message.text.clone(), ContentTransferEncoding::Binary)
                .unwrap_or_else(|_| Body::new(message.text.clone())),
            Self::Smtp(_) => Body::new(message.text.clone()),
        };
        let part = lettre::message::SinglePart::builder().header(ContentType::TEXT_PLAIN).body(body);
        let builder =
            lettre::Message::builder().from(from).to(to).subject(message.subject.clone()).message_id(Some(format!("<{id}@anwesend>")));
        let email = if attachments.is_empty() {
            builder.singlepart(part)
        } else {
            let mut mixed = lettre::message::MultiPart::mixed().singlepart(part);
            for a in attachments {
                let kind = ContentType::parse(&a.content_type).map_err(|_| fail("an attachment's media type is not valid".into()))?;
                mixed = mixed.singlepart(lettre::message::Attachment::new(a.filename.clone()).body(a.content.clone(), kind));
            }
            builder.multipart(mixed)
        }
        .map_err(|e| fail(format!("the message cannot be built: {e}")))?;
        match self {
            Self::Smtp(transport) => transport.send(&email).map(|_| ()).map_err(|e| SendError {
                permanent: e.is_permanent(),
                bounced: e.is_permanent() && e.status().is_some(),
                // Only the reply code: a server's reply text may quote the address.
                message: match e.status() {
                    Some(code) => format!("smtp: the server answered {code}"),
                    None if e.is_timeout() => "smtp: timeout".into(),
                    None => "smtp: no connection or TLS failure".into(),
                },
            }),
            Self::Files(dir) => {
                let write = || -> std::io::Result<()> {
                    std::fs::create_dir_all(dir)?;
                    std::fs::write(dir.join(format!("{id}.eml")), email.formatted())
                };
                write().map_err(|e| SendError { message: format!("mail directory: {e}"), permanent: false, bounced: false })
            }
        }
    }
}
