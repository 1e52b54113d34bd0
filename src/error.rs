//! One error type for both targets: every server function returns `Result<T, AppError>`.
//!
//! Policy (after crates.io's `util/errors.rs`):
//! - each variant has one HTTP status ([`AppError::status`]); the server maps it once, in
//!   `server::security::map_server_fn_error_status`, because Leptos answers every
//!   server-function error with 500 by default;
//! - what a person sees ([`std::fmt::Display`]) is a sentence they can act on;
//! - causes of `Internal` errors (database messages, I/O errors) are logged with the
//!   request id and never sent to the browser: the browser gets the request id only.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Field name -> message shown next to that field.
pub type FieldErrors = BTreeMap<String, String>;

/// Everything that can go wrong in a request, as the person asking should hear it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(into = "ErrorBody", from = "ErrorBody")]
pub enum AppError {
    /// 401: not signed in, or the credentials were wrong.
    #[error("{message}")]
    Unauthorized { message: String },
    /// 403: signed in but not allowed, or a request that failed the cross-site check.
    #[error("{message}")]
    Forbidden { message: String },
    /// 404: the thing does not exist, or it is not yours (no id probing).
    #[error("We couldn't find what you were looking for.")]
    NotFound,
    /// 422: the input was understood but is not acceptable; messages per field.
    #[error("{message}")]
    Invalid {
        message: String,
        fields: FieldErrors,
    },
    /// 402: the plan's quota would be exceeded.
    #[error("{message}")]
    PlanLimit { message: String },
    /// 409: the request conflicts with the current state.
    #[error("{message}")]
    Conflict { message: String },
    /// 501: a feature that needs configuration the operator has not given.
    #[error("{message}")]
    NotConfigured { message: String },
    /// 429: too many attempts; try again after `retry_after_secs`.
    #[error("Too many attempts. Please try again in {}.", crate::format::human_duration(*retry_after_secs))]
    RateLimited { retry_after_secs: u64 },
    /// 503: Scout is busy (or took too long) and will be able to do it shortly.
    #[error("{message} Please try again in {}.", crate::format::human_duration(*retry_after_secs))]
    Busy {
        message: String,
        retry_after_secs: u64,
    },
    /// 500: our fault. The cause is in the server log under `request_id`.
    #[error("Something went wrong on our side. Please try again.{}", request_id.as_ref().map(|id| format!(" If it keeps happening, quote request id {id}.")).unwrap_or_default())]
    Internal { request_id: Option<String> },
    /// 400: the request itself could not be read (bad encoding, missing arguments).
    #[error("The request could not be read: {message}")]
    Transport { message: String },
}

/// Every JSON error Scout answers, whatever the endpoint (server functions, the upload and
/// export routes, the Stripe webhook):
///
/// ```json
/// {"code": "invalid", "message": "Please correct the highlighted field.",
///  "fields": {"email": "Enter an email address."}, "request_id": "6f1c…"}
/// ```
///
/// `code` is stable and machine-readable (one per [`AppError`] variant), `message` a sentence
/// for people, `fields` present for `invalid`, `retry_after` (seconds) for `rate_limited` and
/// `busy`, `request_id` the id of the request in Scout's logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: FieldErrors,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl AppError {
    /// The stable code of this kind of error (`ErrorBody::code`).
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthorized { .. } => "unauthorized",
            AppError::Forbidden { .. } => "forbidden",
            AppError::NotFound => "not_found",
            AppError::Invalid { .. } => "invalid",
            AppError::PlanLimit { .. } => "plan_limit",
            AppError::Conflict { .. } => "conflict",
            AppError::NotConfigured { .. } => "not_configured",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::Busy { .. } => "busy",
            AppError::Internal { .. } => "internal",
            AppError::Transport { .. } => "bad_request",
        }
    }
}

impl From<AppError> for ErrorBody {
    fn from(e: AppError) -> ErrorBody {
        let message = e.to_string();
        let code = e.code().to_string();
        let retry_after = e.retry_after_secs();
        let (fields, request_id) = match e {
            AppError::Invalid { fields, .. } => (fields, None),
            AppError::Internal { request_id } => (FieldErrors::new(), request_id),
            _ => (FieldErrors::new(), None),
        };
        #[cfg(feature = "ssr")]
        let request_id = request_id.or_else(current_request_id);
        ErrorBody {
            code,
            message,
            fields,
            retry_after,
            request_id,
        }
    }
}

impl From<ErrorBody> for AppError {
    fn from(b: ErrorBody) -> AppError {
        let ErrorBody {
            code,
            message,
            fields,
            retry_after,
            request_id,
        } = b;
        let retry_after_secs = retry_after.unwrap_or(5);
        match code.as_str() {
            "unauthorized" => AppError::Unauthorized { message },
            "forbidden" => AppError::Forbidden { message },
            "not_found" => AppError::NotFound,
            "invalid" => AppError::Invalid { message, fields },
            "plan_limit" => AppError::PlanLimit { message },
            "conflict" => AppError::Conflict { message },
            "not_configured" => AppError::NotConfigured { message },
            "rate_limited" => AppError::RateLimited { retry_after_secs },
            // the message carries the wait already: keep the sentence before it
            "busy" => AppError::Busy {
                message: message
                    .rsplit_once(" Please try again in ")
                    .map_or(message.as_str(), |(m, _)| m)
                    .to_string(),
                retry_after_secs,
            },
            "bad_request" => AppError::Transport {
                message: message
                    .strip_prefix("The request could not be read: ")
                    .unwrap_or(&message)
                    .to_string(),
            },
            _ => AppError::Internal { request_id },
        }
    }
}

impl AppError {
    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthorized { .. } => 401,
            AppError::Forbidden { .. } => 403,
            AppError::NotFound => 404,
            AppError::Invalid { .. } => 422,
            AppError::PlanLimit { .. } => 402,
            AppError::Conflict { .. } => 409,
            AppError::NotConfigured { .. } => 501,
            AppError::RateLimited { .. } => 429,
            AppError::Busy { .. } => 503,
            AppError::Internal { .. } => 500,
            AppError::Transport { .. } => 400,
        }
    }

    /// Seconds the client should wait before asking again, for the `Retry-After` header.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            AppError::RateLimited { retry_after_secs }
            | AppError::Busy {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            _ => None,
        }
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        AppError::Unauthorized {
            message: message.into(),
        }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        AppError::Forbidden {
            message: message.into(),
        }
    }

    /// A 422 with one message per field and a summary for the top of the form.
    pub fn invalid(fields: FieldErrors) -> Self {
        let message = if fields.len() == 1 {
            "Please correct the highlighted field.".to_string()
        } else {
            "Please correct the highlighted fields.".to_string()
        };
        AppError::Invalid { message, fields }
    }

    /// A 422 for a single field.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        Self::invalid(BTreeMap::from([(field.to_string(), message.into())]))
    }

    /// The message for one field, if this is a validation error that names it.
    pub fn field(&self, name: &str) -> Option<String> {
        match self {
            AppError::Invalid { fields, .. } => fields.get(name).cloned(),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(m)
            | ServerFnErrorErr::MissingArg(m)
            | ServerFnErrorErr::Deserialization(m)
            | ServerFnErrorErr::UnsupportedRequestMethod(m) => AppError::Transport { message: m },
            // Network failures seen by the browser and server-side faults: nothing the
            // person can fix by changing their input.
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => AppError::Transport {
                message: "the server could not be reached; check your connection and try again"
                    .to_string(),
            },
            ServerFnErrorErr::Registration(_)
            | ServerFnErrorErr::ServerError(_)
            | ServerFnErrorErr::MiddlewareError(_)
            | ServerFnErrorErr::Serialization(_) => AppError::Internal { request_id: None },
        }
    }
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::AppError;

    /// The id of the request being served, from the `x-request-id` header set by the
    /// request-id layer, when called inside a request.
    pub fn current_request_id() -> Option<String> {
        leptos::prelude::use_context::<http::request::Parts>().and_then(|parts| {
            parts
                .headers
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        })
    }

    impl AppError {
        /// An internal error: log the cause with the request id, return only the id.
        pub fn internal(cause: impl std::fmt::Display) -> Self {
            let request_id = current_request_id();
            tracing::error!(
                request_id = request_id.as_deref().unwrap_or("-"),
                "internal error: {cause}"
            );
            AppError::Internal { request_id }
        }
    }

    impl From<sqlx::Error> for AppError {
        fn from(e: sqlx::Error) -> Self {
            if database_unavailable(&e) {
                tracing::warn!(error = %e, "the database is not answering");
                return AppError::Busy {
                    message: "Scout's database is not answering right now; Scout will be back in a moment.".into(),
                    retry_after_secs: 5,
                };
            }
            AppError::internal(format_args!("database: {e}"))
        }
    }

    /// Errors that mean "the database can't be reached right now" (it is restarting, or the
    /// network to it is down), as opposed to a fault in the query: 503, not 500.
    pub fn database_unavailable(e: &sqlx::Error) -> bool {
        match e {
            sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => true,
            // class 08: connection exception; 57P01-57P03: the server is shutting down,
            // crashed, or not yet accepting connections
            sqlx::Error::Database(db) => db
                .code()
                .is_some_and(|c| c.starts_with("08") || matches!(&*c, "57P01" | "57P02" | "57P03")),
            _ => false,
        }
    }

    impl From<tower_sessions::session::Error> for AppError {
        fn from(e: tower_sessions::session::Error) -> Self {
            AppError::internal(format_args!("session store: {e}"))
        }
    }

    impl From<tokio::task::JoinError> for AppError {
        fn from(e: tokio::task::JoinError) -> Self {
            AppError::internal(format_args!("background task: {e}"))
        }
    }
}

#[cfg(feature = "ssr")]
pub use ssr::current_request_id;

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "tests")]
    use super::*;

    #[test]
    fn every_variant_has_its_own_status() {
        let cases = [
            (AppError::unauthorized("x"), 401),
            (AppError::forbidden("x"), 403),
            (AppError::NotFound, 404),
            (AppError::invalid_field("email", "bad"), 422),
            (
                AppError::PlanLimit {
                    message: "x".into(),
                },
                402,
            ),
            (
                AppError::Conflict {
                    message: "x".into(),
                },
                409,
            ),
            (
                AppError::NotConfigured {
                    message: "x".into(),
                },
                501,
            ),
            (
                AppError::RateLimited {
                    retry_after_secs: 60,
                },
                429,
            ),
            (AppError::Internal { request_id: None }, 500),
            (
                AppError::Transport {
                    message: "x".into(),
                },
                400,
            ),
        ];
        for (err, status) in cases {
            assert_eq!(err.status(), status, "{err:?}");
        }
    }

    #[test]
    fn errors_round_trip_through_the_wire_encoding() {
        let err = AppError::invalid_field("email", "Enter an email address.");
        let bytes = err.ser();
        assert_eq!(AppError::de(bytes), err);
    }

    #[test]
    fn every_error_has_the_one_json_shape_and_reads_back_the_same() {
        let invalid = AppError::invalid_field("email", "Enter an email address.");
        let json: serde_json::Value = serde_json::to_value(&invalid).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "code": "invalid",
                "message": "Please correct the highlighted field.",
                "fields": {"email": "Enter an email address."}
            })
        );
        let limited = serde_json::to_value(AppError::RateLimited {
            retry_after_secs: 42,
        })
        .unwrap();
        assert_eq!(limited["code"], "rate_limited");
        assert_eq!(limited["retry_after"], 42);
        assert_eq!(
            limited["message"],
            "Too many attempts. Please try again in 42 seconds."
        );
        let every = [
            AppError::unauthorized("Sign in first."),
            AppError::forbidden("Not yours."),
            AppError::NotFound,
            invalid,
            AppError::PlanLimit {
                message: "You have 3 active alerts.".into(),
            },
            AppError::Conflict {
                message: "Already sold.".into(),
            },
            AppError::NotConfigured {
                message: "Payments are not set up.".into(),
            },
            AppError::RateLimited {
                retry_after_secs: 7,
            },
            AppError::Busy {
                message: "Scout's database is not answering.".into(),
                retry_after_secs: 5,
            },
            AppError::Internal {
                request_id: Some("abc".into()),
            },
            AppError::Transport {
                message: "missing argument".into(),
            },
        ];
        let mut codes = std::collections::BTreeSet::new();
        for e in every {
            let body = serde_json::to_string(&e).unwrap();
            let back: AppError = serde_json::from_str(&body).unwrap();
            assert_eq!(back, e, "{body}");
            assert!(codes.insert(e.code()), "{} twice", e.code());
        }
    }

    #[test]
    fn internal_errors_show_the_request_id_but_no_cause() {
        let err = AppError::Internal {
            request_id: Some("abc-123".into()),
        };
        let text = err.to_string();
        assert!(text.contains("abc-123"));
        assert!(text.starts_with("Something went wrong on our side"));
    }
}
