//! Errors as `application/problem+json` (RFC 9457) with a stable machine `code`.
//! 5xx answers never carry internal detail; the cause is logged without personal data.

use std::time::Duration;

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::AppError;
use crate::problem::ProblemCode;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// The body of every error answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// `urn:anwesend:problem:<code>`
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: String,
    pub status: u16,
    pub code: ProblemCode,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The input field the problem is about, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// An error answer: the code decides status and title, so one code always answers alike.
#[derive(Debug, Clone)]
pub struct ApiError {
    code: ProblemCode,
    detail: Option<String>,
    field: Option<String>,
    retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(code: ProblemCode) -> Self {
        Self { code, detail: None, field: None, retry_after: None }
    }

    pub fn code(&self) -> ProblemCode {
        self.code
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn not_found() -> Self {
        Self::new(ProblemCode::NotFound)
    }

    /// 429 with `Retry-After` in whole seconds (TOM ACC-4).
    pub fn rate_limited(wait: Duration) -> Self {
        let seconds = wait.as_secs().max(1);
        Self { retry_after: Some(seconds), ..Self::new(ProblemCode::RateLimited).detail(format!("try again in {seconds} s")) }
    }

    pub fn problem(&self) -> Problem {
        Problem {
            type_uri: format!("urn:anwesend:problem:{}", self.code),
            title: title(self.code).to_owned(),
            status: status(self.code).as_u16(),
            code: self.code,
            detail: self.detail.clone(),
            field: self.field.clone(),
        }
    }
}

/// The HTTP status of each code.
pub fn status(code: ProblemCode) -> StatusCode {
    use ProblemCode::*;
    match code {
        BadRequest | MalformedJson | InvalidQuery | InvalidPath => StatusCode::BAD_REQUEST,
        InvalidBody | InvalidField | WeakPassword | NoticeTooShort => StatusCode::UNPROCESSABLE_ENTITY,
        BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        Unauthenticated | InvalidCredentials | InvalidCode | MfaRequired | MfaEnrolmentRequired | PasskeyRefused => {
            StatusCode::UNAUTHORIZED
        }
        SignatureMissing | DeviceUnknown | DeviceRevoked | StaleTimestamp | BadNonce | BadSignature | ReplayedNonce => {
            StatusCode::UNAUTHORIZED
        }
        CsrfFailed | Forbidden | SsoRequired | SsoNotLinked => StatusCode::FORBIDDEN,
        SsoFailed => StatusCode::UNAUTHORIZED,
        SsoUnavailable => StatusCode::FAILED_DEPENDENCY,
        NotFound | InvitationInvalid | LinkInvalid | EnrolmentInvalid => StatusCode::NOT_FOUND,
        RateLimited => StatusCode::TOO_MANY_REQUESTS,
        Conflict
        | AdminLimitReached
        | LastPrimaryAdmin
        | CannotDisableSelf
        | AlreadyMember
        | AlreadyInvited
        | AlreadyRevoked
        | MfaRequiredByTenant
        | NoChallenge
        | NoEnrolment
        | PasskeyRequiredByTenant
        | PasskeySignInOff
        | TotpPending
        | NotADraft
        | CapacityBelowBookings
        | BookingClosed
        | EventFull
        | AlreadyBooked
        | AlreadyCancelled
        | SameEvent
        | EmailInUse
        | Restricted
        | AlreadyRecorded
        | AlreadyHandled
        | AlreadyErased
        | AlreadyCorrected
        | SignatureNotExpected
        | ListClosed
        | ListNotClosed
        | AbsenceTooLate
        | TenantNotActive
        | TenantReadOnly
        | TenantOffboarded
        | OffboardingStarted
        | NotOffboarding
        | ExportWindowOpen
        | SecureCardInvalid
        | SecureCardReplayed
        | SecureCardRequired
        | SecureCardsOff
        | ObjectionPeriodOver
        | AlreadyObjected => StatusCode::CONFLICT,
        NotReady | Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        InternalError => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The short English title of each code (RFC 9457: the same for every answer of a type).
fn title(code: ProblemCode) -> &'static str {
    use ProblemCode::*;
    match code {
        BadRequest => "Request body could not be read",
        MalformedJson => "Request body is not valid JSON",
        InvalidBody => "Request body does not match the schema",
        InvalidQuery => "Query parameters are invalid",
        InvalidPath => "Path parameters are invalid",
        InvalidField => "A field is invalid",
        BodyTooLarge => "Request body too large",
        UnsupportedMediaType => "Request body must be application/json",
        MethodNotAllowed => "This path does not answer this method; `Allow` lists the ones it does",
        WeakPassword => "The password is too weak",
        Unauthenticated => "Sign-in required",
        InvalidCredentials => "Email or password is wrong",
        InvalidCode => "The code is wrong or was already used",
        MfaRequired => "Enter the code of your second factor to continue",
        MfaEnrolmentRequired => "Set up a second factor to continue",
        PasskeyRefused => "The passkey was not accepted",
        CsrfFailed => "The request did not come from this application",
        Forbidden => "Your role does not allow this",
        RateLimited => "Too many attempts",
        InvitationInvalid => "Invitation not valid",
        LinkInvalid => "Link not valid",
        EnrolmentInvalid => "Enrolment code not valid",
        SignatureMissing | DeviceUnknown | DeviceRevoked | StaleTimestamp | BadNonce | BadSignature | ReplayedNonce => {
            "The device request was refused"
        }
        SsoRequired => "This organisation signs its staff in through its identity provider",
        SsoFailed => "The sign-in at the identity provider could not be completed",
        SsoNotLinked => "No account here is linked to this identity",
        SsoUnavailable => "The identity provider or directory did not answer",
        NotFound => "Not found",
        Conflict => "Conflict",
        TenantReadOnly => "The tenant is being offboarded and is read-only",
        NotReady => "The database does not answer",
        Unavailable => "Service temporarily unavailable",
        InternalError => "Internal server error",
        // Every other code is a rule of the domain that refuses the change (409).
        _ => "A rule does not allow this",
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", status(self.code).as_u16(), self.code)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        status(self.code)
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(status(self.code));
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        if let Some(seconds) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, seconds));
        }
        response.json(self.problem())
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Invalid { field, message } => {
                Self { field: Some(field.to_owned()), ..Self::new(ProblemCode::InvalidField).detail(format!("{field} {message}")) }
            }
            AppError::NotFound => Self::not_found(),
            AppError::Conflict(m) => Self::new(ProblemCode::Conflict).detail(m),
            AppError::Rule { code, message } => Self::new(code).detail(message),
            AppError::Weak(m) => {
                Self { field: Some("password".to_owned()), ..Self::new(ProblemCode::WeakPassword).detail(format!("password {m}")) }
            }
            AppError::Forbidden => Self::new(ProblemCode::Forbidden),
            AppError::RateLimited(wait) => Self::rate_limited(wait),
            AppError::Unavailable(cause) => {
                tracing::error!(%cause, "database unavailable");
                // Clients (the kiosk, the agent) try again; a short outage passes in seconds.
                Self { retry_after: Some(crate::db::RETRY_AFTER_SECONDS), ..Self::new(ProblemCode::Unavailable) }
            }
            other => {
                tracing::error!(cause = %other, "internal error");
                Self::new(ProblemCode::InternalError)
            }
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(_: actix_web::error::BlockingError) -> Self {
        tracing::error!("blocking task failed");
        Self::new(ProblemCode::InternalError)
    }
}

/// Malformed, oversized or unexpected JSON bodies (TOM PRIV-5).
pub fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let api = match &err {
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            ApiError::new(ProblemCode::BodyTooLarge).detail(err.to_string())
        }
        JsonPayloadError::ContentType => ApiError::new(ProblemCode::UnsupportedMediaType),
        JsonPayloadError::Deserialize(e) => body_problem(e),
        _ => ApiError::new(ProblemCode::BadRequest),
    };
    api.into()
}

/// A body that is JSON of the wrong shape (422 `invalid_body`), or not JSON at all (400 `malformed_json`).
pub fn body_problem(e: &serde_json::Error) -> ApiError {
    let code = if e.is_data() { ProblemCode::InvalidBody } else { ProblemCode::MalformedJson };
    ApiError::new(code).detail(e.to_string())
}

pub fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::new(ProblemCode::InvalidQuery).detail(err.to_string()).into()
}

pub fn path_error(err: PathError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::new(ProblemCode::InvalidPath).detail(err.to_string()).into()
}
