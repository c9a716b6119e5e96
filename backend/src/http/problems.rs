//! The problem+json answers of the OpenAPI document, one type per status, so each
//! operation lists its error answers by name: `responses((status = 200, body = X), NotFound)`.

use std::collections::BTreeMap;

use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder, ResponsesBuilder};

use super::error::PROBLEM_JSON;

macro_rules! problem_responses {
    ($($(#[$doc:meta])* $name:ident = $status:literal, $description:literal;)*) => {$(
        $(#[$doc])*
        pub struct $name;

        impl utoipa::IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build();
                let response = ResponseBuilder::new().description($description).content(PROBLEM_JSON, content);
                ResponsesBuilder::new().response($status, response).build().into()
            }
        }
    )*};
}

problem_responses! {
    BadRequest = "400", "The body, query or path could not be read (`malformed_json`, `invalid_query`, `invalid_path`, …)";
    Unauthorized = "401", "Sign-in, a second factor or a valid device signature is needed";
    Forbidden = "403", "The caller's role does not allow this, or the request came from elsewhere";
    NotFound = "404", "Not found, or not visible to the caller";
    Conflict = "409", "A rule of the domain refuses the change";
    PayloadTooLarge = "413", "The request body is larger than the server accepts";
    UnsupportedMediaType = "415", "The request body must be application/json";
    Unprocessable = "422", "A field is invalid";
    FailedDependency = "424", "The identity provider or directory did not answer";
    TooManyRequests = "429", "Too many attempts; `Retry-After` says when to try again";
    ServiceUnavailable = "503", "The database does not answer";
}
