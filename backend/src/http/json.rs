//! JSON request bodies, read only from a JSON object.
//!
//! serde builds a struct from a JSON array as well (`["a@b.de"]` fills the first field),
//! and every request body of the API is an object. So every body is read through
//! `Object`, which gives the struct a map or refuses the input as being of the wrong shape
//! (`invalid_body`, answered by `error::json_error` like any other body of the wrong shape).

use std::marker::PhantomData;

use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use futures_util::future::{MapOk, TryFutureExt};
use serde::de::{DeserializeOwned, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

/// `T` read from a JSON object only.
pub struct Object<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OnlyMaps<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for OnlyMaps<T> {
            type Value = T;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }
        deserializer.deserialize_map(OnlyMaps(PhantomData)).map(Object)
    }
}

/// A body read with `serde_json`, from a JSON object only, refused as the extractor
/// refuses one (`error::body_problem`).
pub fn from_slice<T: DeserializeOwned>(body: &[u8]) -> Result<T, super::ApiError> {
    serde_json::from_slice::<Object<T>>(body).map(|object| object.0).map_err(|e| super::error::body_problem(&e))
}

/// The JSON body extractor of every handler: `web::Json` (its limit and problem+json
/// answers from `json_config`), reading the body as a JSON object only.
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = MapOk<<web::Json<Object<T>> as FromRequest>::Future, fn(web::Json<Object<T>>) -> Json<T>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        web::Json::<Object<T>>::from_request(req, payload).map_ok(|body| Json(body.into_inner().0))
    }
}
