//! Errors as `application/problem+json` (RFC 9457) with a stable machine `code`.
//! 5xx answers never carry internal detail; the cause is logged without personal data.

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::AppError;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// The body of every error answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// `urn:anwesend:problem:<code>`
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: String,
    pub status: u16,
    /// Stable machine-readable code, e.g. `malformed_json`.
    pub code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The input field the problem is about, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    title: &'static str,
    detail: Option<String>,
    field: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, title: &'static str) -> Self {
        Self { status, code, title, detail: None, field: None }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "Not found")
    }

    pub fn problem(&self) -> Problem {
        Problem {
            type_uri: format!("urn:anwesend:problem:{}", self.code),
            title: self.title.to_owned(),
            status: self.status.as_u16(),
            code: self.code.to_owned(),
            detail: self.detail.clone(),
            field: self.field.clone(),
        }
    }

    fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "Internal server error")
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.code)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status)
            .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)))
            .json(self.problem())
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Invalid { field, message } => Self {
                field: Some(field.to_owned()),
                ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", "A field is invalid").detail(format!("{field} {message}"))
            },
            AppError::NotFound => Self::not_found(),
            AppError::Conflict(m) => Self::new(StatusCode::CONFLICT, "conflict", "Conflict").detail(m),
            AppError::Rule { code, message } => Self::new(StatusCode::CONFLICT, code, "A rule does not allow this").detail(message),
            AppError::Weak(m) => Self {
                field: Some("password".to_owned()),
                ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "weak_password", "The password is too weak").detail(format!("password {m}"))
            },
            AppError::Forbidden => Self::new(StatusCode::FORBIDDEN, "forbidden", "Your role does not allow this"),
            AppError::Unavailable(cause) => {
                tracing::error!(%cause, "database unavailable");
                Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "Service temporarily unavailable")
            }
            other => {
                tracing::error!(cause = %other, "internal error");
                Self::internal()
            }
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(_: actix_web::error::BlockingError) -> Self {
        tracing::error!("blocking task failed");
        Self::internal()
    }
}

/// Malformed, oversized or unexpected JSON bodies (TOM PRIV-5).
pub fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let api = match &err {
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", "Request body too large").detail(err.to_string())
        }
        JsonPayloadError::ContentType => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Request body must be application/json",
        ),
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", "Request body does not match the schema").detail(e.to_string())
        }
        JsonPayloadError::Deserialize(e) => {
            ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", "Request body is not valid JSON").detail(e.to_string())
        }
        _ => ApiError::new(StatusCode::BAD_REQUEST, "bad_request", "Request body could not be read"),
    };
    api.into()
}

pub fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", "Query parameters are invalid").detail(err.to_string()).into()
}

pub fn path_error(err: PathError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_path", "Path parameters are invalid").detail(err.to_string()).into()
}
