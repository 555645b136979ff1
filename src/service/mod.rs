//! Floor 2, the rules of the domain: plain synchronous functions over a database connection, run off the async threads by [`Store`].

pub mod agreements;
pub mod clock;
pub mod customers;
pub mod document_content;
pub mod document_links;
pub mod error;
pub mod idempotency;
pub mod partners;
pub mod passwords;
pub mod registry;
pub mod shared_keys;
pub mod store;

pub use error::ServiceError;
pub use store::Store;
