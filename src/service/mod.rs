//! Floor 2, the rules of the domain: plain synchronous functions over a database connection, run off the async threads by [`Store`].

pub mod admin_center;
pub mod admission;
pub mod agreements;
pub mod clock;
pub mod compliance;
pub mod control_state;
pub mod customer_admin;
pub mod customers;
pub mod delivery;
pub mod document_content;
pub mod document_links;
pub mod error;
pub mod faults;
pub mod fixtures;
pub mod form_tokens;
pub mod idempotency;
pub mod notifications;
pub mod orders;
pub mod partners;
pub mod passwords;
pub mod registry;
pub mod reset;
pub mod shared_keys;
pub mod signed_token;
pub mod store;
pub mod version_probe;

pub use crate::db::DbConnection;
pub use error::ServiceError;
pub use store::Store;
