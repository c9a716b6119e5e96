//! The `Participant` extractor: `Authorization: Bearer <token>` → a live participant
//! session. A staff cookie is not a participant session and the other way round.

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use chrono::Duration;
use futures_util::future::LocalBoxFuture;

use super::store;
use crate::audit::{Actor, ActorKind, AuditContext};
use crate::auth::principal::{unauthenticated, RequestFacts};
use crate::auth::service::token_hash;
use crate::db::TenantScope;
use crate::http::ApiError;
use crate::state::AppState;

/// A participant signed in by magic link, rebuilt from the session on every request.
#[derive(Clone, Debug)]
pub struct Participant {
    pub participant_id: String,
    pub session_id: String,
    /// The tenant of the session: the only source of the request's scope.
    pub scope: TenantScope,
    pub audit: AuditContext,
}

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get("authorization")?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ")?.trim();
    (!token.is_empty() && token.len() <= 128).then(|| token.to_owned())
}

impl FromRequest for Participant {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req.app_data::<web::Data<AppState>>().cloned().ok_or_else(unauthenticated)?;
            let token = bearer(&req).ok_or_else(unauthenticated)?;
            let facts = RequestFacts::of(&req)?;
            let (method, path) = (req.method().clone(), req.path().to_owned());
            let participant = web::block(move || -> Result<Participant, ApiError> {
                let origin = facts.origin(&state)?;
                let now = origin.at.naive_utc();
                let mut conn = state.db.conn()?;
                // Unscoped: the token names the tenant; the session is read in it.
                let found = store::locate_session_by_token_hash(&mut conn, &token_hash(&token))
                    .map_err(crate::AppError::from)?
                    .ok_or_else(unauthenticated)?;
                let scope = TenantScope::named_by_session(found.found_tenant);
                let idle = Duration::minutes(i64::from(state.config.session.idle_minutes));
                // Read, checked and touched in one transaction: one round trip per request.
                let session = state.db.tenant_tx(&scope, |tx| {
                    let live = store::session(tx, &found.found_id)?
                        .filter(|s| s.ended_at.is_none() && s.expires_at > now && s.last_seen_at + idle > now);
                    if let Some(session) = &live {
                        store::touch_session(tx, &session.id, now)?;
                    }
                    Ok(live)
                })?;
                let session = session.ok_or_else(unauthenticated)?;
                // An offboarding tenant is read-only (TOM DEL-1, DEL-2).
                crate::offboarding::guard::check(&mut conn, &session.tenant_id, &method, &path)?;
                Ok(Participant {
                    audit: AuditContext {
                        actor: Actor { kind: ActorKind::Participant, id: Some(session.participant_id.clone()), role: None },
                        at: origin.at,
                        request_id: Some(origin.request_id),
                        ip: origin.ip,
                    },
                    scope,
                    participant_id: session.participant_id,
                    session_id: session.id,
                })
            })
            .await??;
            Ok(participant)
        })
    }
}
