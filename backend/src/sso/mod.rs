//! Staff single sign-on (TOM ACC-7): each tenant's identity providers (OpenID Connect,
//! with a Microsoft Entra ID preset, and LDAP/Active Directory), the role mapping applied
//! at every sign-in, just-in-time provisioning and the tenant's "SSO only" rule. The
//! provider table, mapping, provisioning and rule are generic over the kind, so SAML adds
//! a kind and its protocol module only.

pub mod cache;
pub mod ldap;
pub mod logout;
pub mod model;
pub mod oidc;
pub mod routes;
pub mod service;
pub mod store;
