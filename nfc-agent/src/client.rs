//! Signed requests to the server, and what an answer means for a queued tap.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anwesend_protocol as protocol;

use crate::identity::Identity;

pub fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or_default()
}

/// A random token for nonces and idempotency keys (the protocol's alphabet).
pub fn random_token(len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..len).map(|_| char::from(ALPHABET[rand::random::<usize>() % ALPHABET.len()])).collect()
}

/// The server's answer: status and body; `Err` when there was none (network, TLS).
pub type Answer = Result<(u16, String), String>;

pub fn post(url: &str, headers: &[(&str, String)], body: &[u8]) -> Answer {
    let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(15)).build();
    let mut req = agent.post(url).set("content-type", "application/json");
    for (name, value) in headers {
        req = req.set(name, value);
    }
    match req.send_bytes(body) {
        Ok(res) => Ok((res.status(), res.into_string().unwrap_or_default())),
        Err(ureq::Error::Status(code, res)) => Ok((code, res.into_string().unwrap_or_default())),
        Err(e) => Err(format!("the server cannot be reached: {e}")),
    }
}

pub fn signed_post(id: &Identity, path: &str, body: &[u8]) -> Answer {
    let secret = hex_decode(&id.secret).ok_or("the identity file holds no valid secret")?;
    let headers = protocol::signed_headers(&id.device_id, &secret, "POST", path, unix_now(), &random_token(24), body);
    let headers: Vec<(&str, String)> = headers.into_iter().collect();
    post(&format!("{}{path}", id.server.trim_end_matches('/')), &headers, body)
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| s.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok())).collect()
}

/// The `code` of a problem+json answer.
pub fn problem_code(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body).ok().and_then(|v| v["code"].as_str().map(str::to_owned)).unwrap_or_default()
}

/// What to do with a queued tap after an upload attempt (TOM AVAIL-4).
#[derive(Debug, PartialEq)]
pub enum Disposition {
    /// The server recorded (or deliberately did not record) the tap: remove it.
    Answered(protocol::TapResponse),
    /// The server will never take this tap (malformed, unknown): remove it, say why.
    Refused(u16, String),
    /// The device was revoked: stop uploading, keep the queue.
    Revoked,
    /// No answer, or one that may change (server error, rate limit, clock): try again later.
    Retry(String),
}

pub fn disposition(answer: Answer) -> Disposition {
    match answer {
        Err(reason) => Disposition::Retry(reason),
        Ok((status, body)) => {
            let code = problem_code(&body);
            match status {
                200..=299 => match serde_json::from_str(&body) {
                    Ok(tap) => Disposition::Answered(tap),
                    // Accepted, but in a form this agent does not know: the server has it.
                    Err(_) => Disposition::Refused(status, "unexpected answer".into()),
                },
                401 if code == "device_revoked" => Disposition::Revoked,
                400 | 404 | 409 | 410 | 413 | 415 | 422 => Disposition::Refused(status, code),
                401 if code == "stale_timestamp" => Disposition::Retry("the server refuses this computer's clock; check its time".into()),
                _ => Disposition::Retry(format!("the server answered {status} {code}")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::TapOutcome;

    #[test]
    fn avail_4_a_tap_leaves_the_queue_only_on_2xx_or_a_definite_4xx() {
        let ok = r#"{"outcome":"checked_in","first_name":"Anna","late_upload":true}"#;
        assert_eq!(
            disposition(Ok((200, ok.into()))),
            Disposition::Answered(protocol::TapResponse {
                outcome: TapOutcome::CheckedIn,
                first_name: Some("Anna".into()),
                late_upload: true
            })
        );
        assert!(
            matches!(disposition(Ok((422, r#"{"code":"invalid_card_id"}"#.into()))), Disposition::Refused(422, c) if c == "invalid_card_id")
        );
        assert!(matches!(disposition(Ok((400, String::new()))), Disposition::Refused(400, _)));
        assert_eq!(disposition(Ok((401, r#"{"code":"device_revoked"}"#.into()))), Disposition::Revoked);
        for kept in [
            Err("connection refused".to_owned()),
            Ok((500, String::new())),
            Ok((502, "<html>bad gateway</html>".into())),
            Ok((503, String::new())),
            Ok((429, r#"{"code":"rate_limited"}"#.into())),
            Ok((408, String::new())),
            Ok((401, r#"{"code":"stale_timestamp"}"#.into())),
            Ok((401, r#"{"code":"signature_invalid"}"#.into())),
            Ok((403, String::new())),
        ] {
            assert!(matches!(disposition(kept.clone()), Disposition::Retry(_)), "{kept:?} keeps the tap");
        }
    }

    #[test]
    fn tokens_are_valid_nonces() {
        let a = random_token(24);
        assert!(protocol::nonce_is_valid(&a));
        assert_ne!(a, random_token(24));
    }
}
