//! Value types shared by the service and HTTP floors, each parsed once; nothing here imports other modules of the crate.

pub mod contact;
pub mod countries;
pub mod customer;
pub mod customer_filter;
pub mod datetime;
pub mod field_error;
pub mod ids;
pub mod partner;
pub mod roles;
pub mod templates;

pub use field_error::{FieldError, FieldErrors, Reason};
