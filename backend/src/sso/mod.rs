//! Staff single sign-on (TOM ACC-7): each tenant's identity providers (OpenID Connect,
//! with a Microsoft Entra ID preset, LDAP/Active Directory and SAML 2.0), the role mapping applied
//! at every sign-in, just-in-time provisioning and the tenant's "SSO only" rule. The
//! provider table, mapping, provisioning and rule are generic over the kind; each kind
//! has its protocol module.

pub mod cache;
pub mod ldap;
pub mod logout;
pub mod model;
pub mod oidc;
pub mod routes;
pub mod saml;
pub mod saml_slo;
pub mod service;
pub mod store;
